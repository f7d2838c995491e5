// Seeds local development state once the gateway is up. Printed values are for local use only.
const [base] = process.argv.slice(2);
const res = await fetch(`${base}/healthz`);
const health = await res.json();
console.log(`\n  Kassa ${health.version} is healthy.`);
