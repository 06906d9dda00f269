// @ts-check
// Chosen to match the code as it is, so that `npm run format` moves as little as it can: single
// quotes, semicolons, trailing commas, and long lines. Statements here run to about 200 characters
// (one line in a thousand is longer); at 200 the fewest lines change (fewer than at 160 or 180).
/** @type {import('prettier').Config} */
export default {
  printWidth: 200,
  singleQuote: true,
  semi: true,
  trailingComma: 'all',
  arrowParens: 'always',
};
