/** Model name patterns (`deepseek-*`, `gpt-4.1-mini`): compiled once at setup, matched per request. */
export type ModelMatcher = (model: string) => boolean;

/** `*` matches any run of characters; everything else is literal. */
export function compileModelPatterns(patterns: readonly string[]): ModelMatcher {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns.filter((p) => p.includes('*')).map(globToRegExp);
  return (model) => exact.has(model) || globs.some((re) => re.test(model));
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
