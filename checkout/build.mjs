// Builds checkout/dist: the SDK (checkout.js), its Razorpay face (v1/checkout.js: window.Razorpay,
// at the path of Razorpay's own script), the hosted checkout page and the demo page.
//   npm ci && npm run build            (into checkout/dist)
//   node build.mjs --outdir /some/dir  (elsewhere: the browser tests build into a temp folder)
// Prints each SDK's minified and gzipped sizes; fails when a gzipped SDK passes the budget.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const outdirFlag = process.argv.indexOf('--outdir');
const dist = outdirFlag === -1 ? join(root, 'dist') : resolve(process.argv[outdirFlag + 1] || '');
if (outdirFlag !== -1 && !process.argv[outdirFlag + 1]) throw new Error('--outdir needs a folder');
const SDK_GZIP_BUDGET = 10 * 1024;

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2017',
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
};

// Only what this build writes is removed: --outdir may name a folder that holds other files.
await Promise.all(
  ['checkout.js', 'v1', 'checkout.html', 'demo.html', 'assets'].map((name) =>
    rm(join(dist, name), { recursive: true, force: true }),
  ),
);
await mkdir(join(dist, 'assets'), { recursive: true });

await Promise.all([
  build({ ...common, entryPoints: [join(src, 'sdk.js')], outfile: join(dist, 'checkout.js') }),
  build({ ...common, entryPoints: [join(src, 'razorpay-sdk.js')], outfile: join(dist, 'v1', 'checkout.js') }),
  build({
    ...common,
    entryPoints: [join(src, 'page', 'checkout.js')],
    outfile: join(dist, 'assets', 'checkout-page.js'),
  }),
  build({ ...common, entryPoints: [join(src, 'demo', 'demo.js')], outfile: join(dist, 'assets', 'demo.js') }),
  build({ ...common, entryPoints: [join(src, 'page', 'checkout.css')], outfile: join(dist, 'assets', 'checkout.css') }),
  build({ ...common, entryPoints: [join(src, 'demo', 'demo.css')], outfile: join(dist, 'assets', 'demo.css') }),
  copyFile(join(src, 'page', 'checkout.html'), join(dist, 'checkout.html')),
  copyFile(join(src, 'demo', 'demo.html'), join(dist, 'demo.html')),
]);

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
let over = false;
for (const name of ['checkout.js', 'v1/checkout.js']) {
  const sdk = await readFile(join(dist, name));
  const gzipped = gzipSync(sdk, { level: 9 }).length;
  console.log(
    `${name}: ${sdk.length} bytes minified (${kb(sdk.length)}), ${gzipped} bytes gzip (${kb(gzipped)}); budget ${kb(SDK_GZIP_BUDGET)} gzip`,
  );
  if (gzipped > SDK_GZIP_BUDGET) {
    console.error(`${name} is over its budget of ${kb(SDK_GZIP_BUDGET)} gzip`);
    over = true;
  }
}
if (over) process.exit(1);
