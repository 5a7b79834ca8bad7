// Placeholder for npm scripts whose issue has not landed: says so and fails, never a fake success.
const [, , script, what] = process.argv;
console.error(`npm run ${script}: not built yet: ${what} has not landed. See \`issues list\`.`);
process.exit(1);
