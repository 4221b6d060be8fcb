// Placeholder for scripts whose issue has not landed yet: says so and fails.
const what = process.argv[2];
console.error(`tenancy: 'npm run ${what}' is not built yet (see the open issues).`);
process.exit(1);
