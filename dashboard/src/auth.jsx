import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, onUnauthorized } from './api.js';
import { clearSession, loadSession, saveSession } from './session.js';
import { useRouter } from './router.jsx';

const AuthContext = createContext(null);

export function AuthProvider({ children }) {
  const { navigate } = useRouter();
  const [session, setSession] = useState(loadSession);
  const [profile, setProfile] = useState(null);
  const [notice, setNotice] = useState(null);

  const endSession = useCallback(
    (message) => {
      clearSession();
      setSession(null);
      setProfile(null);
      setNotice(message || null);
      const here = window.location.pathname + window.location.search;
      const next = here.startsWith('/login') ? '' : `?next=${encodeURIComponent(here)}`;
      navigate(`/login${next}`, { replace: true });
    },
    [navigate],
  );

  // Any API call that answers 401 ends the session: back to the login page.
  useEffect(() => {
    onUnauthorized(() => endSession('Your session has ended. Please log in again.'));
    return () => onUnauthorized(() => {});
  }, [endSession]);

  // Sessions expire: log out when the token's time is up rather than on the next failed call.
  useEffect(() => {
    if (!session || !session.expiresAt) return undefined;
    const left = Date.parse(session.expiresAt) - Date.now();
    if (!(left > 0)) return undefined;
    const timer = window.setTimeout(
      () => endSession('Your session has expired. Please log in again.'),
      Math.min(left, 2 ** 31 - 1),
    );
    return () => window.clearTimeout(timer);
  }, [session, endSession]);

  const refreshMerchant = useCallback(async () => {
    const merchant = await api.merchant();
    setProfile(merchant);
    return merchant;
  }, []);

  // The profile of this session's merchant, set when it arrives unless the session changed meanwhile.
  useEffect(() => {
    if (!session) return undefined;
    let current = true;
    api.merchant().then(
      (merchant) => current && setProfile(merchant),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [session]);

  const login = useCallback(async (email, password) => {
    const answer = await api.login(email, password);
    const next = { token: answer.token, expiresAt: answer.expires_at || null, merchant: answer.merchant || null };
    saveSession(next);
    setNotice(null);
    setSession(next);
    return next;
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      /* the token is dropped either way */
    }
    clearSession();
    setSession(null);
    setProfile(null);
    setNotice('You have logged out.');
    navigate('/login', { replace: true });
  }, [navigate]);

  // Every session of the merchant ends, on every device; the server refuses them all from now on.
  const logoutEverywhere = useCallback(async () => {
    await api.logoutEverywhere();
    clearSession();
    setSession(null);
    setProfile(null);
    setNotice('You have logged out everywhere: every session of this account has ended.');
    navigate('/login', { replace: true });
  }, [navigate]);

  const value = useMemo(
    () => ({
      session,
      merchant: profile || (session && session.merchant) || null,
      profile,
      setProfile,
      refreshMerchant,
      login,
      logout,
      logoutEverywhere,
      notice,
    }),
    [session, profile, refreshMerchant, login, logout, logoutEverywhere, notice],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth() {
  return useContext(AuthContext);
}
