/**
 * Tool-name patterns of selectors: a plain name matches itself; `*` matches any run of characters
 * (also empty), `?` exactly one. Case-sensitive, anchored at both ends.
 *
 * @example globMatcher('*Jira*')('searchJiraIssuesUsingJql') // true
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return (name) => name === pattern;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}
