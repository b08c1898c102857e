// Emits the format view (module/powershell/Bits.Job2.Format.ps1xml) of job objects (their type name: module/api/outputs.ts).
import { HEADER } from './layout.js';
import { JOB_TYPE_NAME } from './ps-params.js';

const JOB_COLUMNS: [string, number, string][] = [
  ['JobId', 38, 'Left'],
  ['DisplayName', 24, 'Left'],
  ['JobState', 15, 'Left'],
  ['TransferType', 13, 'Left'],
  ['BytesTransferred', 16, 'Right'],
  ['BytesTotal', 14, 'Right'],
];

export function renderFormat(): string {
  const headers = JOB_COLUMNS.map(([label, width, align]) =>
    [`          <TableColumnHeader>`, `            <Label>${label}</Label>`, `            <Width>${width}</Width>`, `            <Alignment>${align}</Alignment>`, `          </TableColumnHeader>`].join('\n'),
  ).join('\n');
  const items = JOB_COLUMNS.map(([p]) => [`              <TableColumnItem>`, `                <PropertyName>${p}</PropertyName>`, `              </TableColumnItem>`].join('\n')).join('\n');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<!-- ${HEADER.replace(/^# /, '')} -->`,
    '<Configuration>',
    '  <ViewDefinitions>',
    '    <View>',
    `      <Name>${JOB_TYPE_NAME}</Name>`,
    '      <ViewSelectedBy>',
    `        <TypeName>${JOB_TYPE_NAME}</TypeName>`,
    '      </ViewSelectedBy>',
    '      <TableControl>',
    '        <TableHeaders>',
    headers,
    '        </TableHeaders>',
    '        <TableRowEntries>',
    '          <TableRowEntry>',
    '            <TableColumnItems>',
    items,
    '            </TableColumnItems>',
    '          </TableRowEntry>',
    '        </TableRowEntries>',
    '      </TableControl>',
    '    </View>',
    '  </ViewDefinitions>',
    '</Configuration>',
    '',
  ].join('\n');
}
