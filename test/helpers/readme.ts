/**
 * @module
 * Code blocks out of the README, so tests run the examples a newcomer copies instead of a copy of them.
 */

/** The first ```lang block in the section under `## heading`; throws when the README no longer has one. */
export function readmeCodeBlock(markdown: string, heading: string, lang: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section '## ${heading}'`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const block = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'm').exec(section);
  if (!block) throw new Error(`README section '## ${heading}' has no \`\`\`${lang} block`);
  return block[1]!;
}
