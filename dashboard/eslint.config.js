// ESLint flat config: `npm run lint` checks, `npm run fmt` fixes (with prettier for layout).
// JSX needs no React plugin: ESLint 10 parses it (ecmaFeatures.jsx) and tracks the components
// and variables it references, so no-unused-vars sees them used.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  {
    files: ['src/**/*.{js,jsx}'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      parserOptions: { ecmaFeatures: { jsx: true } },
      globals: globals.browser,
    },
  },
  reactHooks.configs.flat.recommended,
  {
    // vite.config.js and this file run in Node.
    files: ['*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
  },
];
