// `make bench`: prints sizes and timings. Every figure is printed next to its budget or a
// baseline measured in the same run; nothing here fails a build on timing.
import { sizes } from './sizes.mjs';
import { coreBench, printCoreBench } from './core.mjs';
import { apiBench, printApiBench } from './api.mjs';
import { checkoutBench, printCheckoutBench } from './checkout.mjs';

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log('\nSizes (gzip -9)');
console.log('  artefact               raw          gzip         budget (gzip)');
for (const s of sizes()) {
  const budget = s.budgetGzip ? `${kb(s.budgetGzip)} ${s.gzip <= s.budgetGzip ? 'ok' : 'OVER'}` : '-';
  console.log(`  ${s.name.padEnd(22)} ${kb(s.raw).padEnd(12)} ${kb(s.gzip).padEnd(12)} ${budget}`);
}

printCoreBench(coreBench());
printApiBench(await apiBench());
printCheckoutBench(await checkoutBench());
