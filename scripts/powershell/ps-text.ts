// PowerShell text helpers of the emitters: indents, help-block text, single-quoted strings.
export const I1 = '    ';
export const I2 = I1 + I1;
export const I3 = I2 + I1;

/** Text safe inside a `<# ... #>` help block. */
export function helpText(text: string): string {
  return text.replace(/#>/g, '# >').replace(/<#/g, '< #');
}

export function indentLines(text: string, indent: string): string {
  return text
    .split('\n')
    .map((l) => (l ? indent + l : ''))
    .join('\n');
}

export function psString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

