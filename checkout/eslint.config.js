// ESLint flat config: `npm run lint` checks, `npm run fmt` fixes (with prettier for layout).
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  {
    // The SDK, the hosted page and the demo: browser scripts, bundled by esbuild.
    files: ['src/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
  },
  {
    // The build script, the unit tests (node --test) and this file: Node.
    files: ['*.js', '*.mjs', 'test/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
  },
];
