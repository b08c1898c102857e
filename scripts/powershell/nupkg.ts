// The parts of a .nupkg besides the module's own files, as Publish-Module (PowerShellGet, through
// nuget pack) writes them for the PowerShell Gallery: <id>.nuspec, [Content_Types].xml,
// _rels/.rels and package/services/metadata/core-properties/<id>.psmdcp (the OPC package
// metadata that NuGet and System.IO.Packaging read). Used by scripts/pack-powershell.ts.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { ZipEntry } from './zip.js';

export interface NuspecMetadata {
  id: string;
  version: string;
  authors: string;
  description: string;
  copyright: string;
  licenseUrl?: string;
  projectUrl?: string;
  /** The manifest's own tags (PrivateData.PSData.Tags). */
  tags: string[];
  /** FunctionsToExport: each becomes PSFunction_<name> and PSCommand_<name>, as the Gallery tags them. */
  functions: string[];
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The tags Publish-Module writes: the manifest's, PSModule, the editions, then the commands. */
export function galleryTags(m: NuspecMetadata): string[] {
  const tags = [...m.tags, 'PSModule', 'PSEdition_Desktop', 'PSEdition_Core'];
  if (m.functions.length > 0) tags.push('PSIncludes_Function');
  for (const f of m.functions) tags.push(`PSFunction_${f}`, `PSCommand_${f}`);
  return [...new Set(tags)];
}

export function renderNuspec(m: NuspecMetadata): string {
  const optional = [
    m.licenseUrl ? `    <licenseUrl>${xml(m.licenseUrl)}</licenseUrl>` : '',
    m.projectUrl ? `    <projectUrl>${xml(m.projectUrl)}</projectUrl>` : '',
  ].filter(Boolean);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">',
    '  <metadata>',
    `    <id>${xml(m.id)}</id>`,
    `    <version>${xml(m.version)}</version>`,
    `    <authors>${xml(m.authors)}</authors>`,
    `    <owners>${xml(m.authors)}</owners>`,
    '    <requireLicenseAcceptance>false</requireLicenseAcceptance>',
    ...optional,
    `    <description>${xml(m.description)}</description>`,
    `    <copyright>${xml(m.copyright)}</copyright>`,
    `    <tags>${xml(galleryTags(m).join(' '))}</tags>`,
    '  </metadata>',
    '</package>',
    '',
  ].join('\n');
}

/** OPC part names are URIs: escape what a URI path may not hold (NuGet does the same). */
function partName(name: string): string {
  return '/' + name.split('/').map((s) => encodeURIComponent(s)).join('/');
}

function contentTypes(names: string[]): string {
  // One Default per extension; a file without one needs an Override of its own.
  const defaults = new Map<string, string>([
    ['rels', 'application/vnd.openxmlformats-package.relationships+xml'],
    ['psmdcp', 'application/vnd.openxmlformats-package.core-properties+xml'],
  ]);
  const overrides: string[] = [];
  for (const n of names) {
    // The text after the last dot of the file name, dot files included ('.rels' is a 'rels' part).
    const base = posix.basename(n);
    const dot = base.lastIndexOf('.');
    const ext = dot < 0 ? '' : base.slice(dot + 1).toLowerCase();
    if (!ext) overrides.push(n);
    else if (!defaults.has(ext)) defaults.set(ext, 'application/octet');
  }
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
    ...[...defaults].map(([ext, type]) => `  <Default Extension="${xml(ext)}" ContentType="${type}" />`),
    ...overrides.map((n) => `  <Override PartName="${xml(partName(n))}" ContentType="application/octet" />`),
    '</Types>',
    '',
  ].join('\n');
}

function relationshipId(target: string): string {
  return 'R' + createHash('sha256').update(target).digest('hex').slice(0, 16).toUpperCase();
}

/**
 * The module's files plus the nuspec and the OPC parts: the entries of the .nupkg, in the order
 * nuget pack writes them (rels, nuspec, the content, core properties, content types last).
 */
export function nupkgEntries(m: NuspecMetadata, files: ZipEntry[]): ZipEntry[] {
  const nuspecName = `${m.id}.nuspec`;
  const corePropsName = `package/services/metadata/core-properties/${createHash('sha256').update(`${m.id}@${m.version}`).digest('hex').slice(0, 32)}.psmdcp`;
  const rels = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">',
    `  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/${xml(nuspecName)}" Id="${relationshipId(nuspecName)}" />`,
    `  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/${corePropsName}" Id="${relationshipId(corePropsName)}" />`,
    '</Relationships>',
    '',
  ].join('\n');
  const coreProps = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">',
    `  <dc:creator>${xml(m.authors)}</dc:creator>`,
    `  <dc:description>${xml(m.description)}</dc:description>`,
    `  <dc:identifier>${xml(m.id)}</dc:identifier>`,
    `  <version>${xml(m.version)}</version>`,
    `  <keywords>${xml(galleryTags(m).join(' '))}</keywords>`,
    '  <lastModifiedBy>bits-job2 scripts/pack-powershell.ts</lastModifiedBy>',
    '</coreProperties>',
    '',
  ].join('\n');
  const parts: ZipEntry[] = [
    { name: '_rels/.rels', data: Buffer.from(rels) },
    { name: nuspecName, data: Buffer.from(renderNuspec(m)) },
    ...files,
    { name: corePropsName, data: Buffer.from(coreProps) },
  ];
  parts.push({ name: '[Content_Types].xml', data: Buffer.from(contentTypes(parts.map((p) => p.name))) });
  return parts;
}

/** The nupkg-only parts, which Save-Module / Install-Module do not put into the module folder. */
export function isNupkgOnlyPart(name: string, id: string): boolean {
  return name === '[Content_Types].xml' || name === `${id}.nuspec` || name.startsWith('_rels/') || name.startsWith('package/');
}
