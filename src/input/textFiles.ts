/**
 * Which attachments we try to read, and reading text files: decided first by name and declared type (so a .zip is
 * refused without downloading it), then by the bytes (valid UTF-8, no NUL), up to a character limit.
 */
import { attachmentStrings } from '../strings.js';
import { countTokensAsync } from '../tokens/tokenCounter.js';
import { AttachmentError } from './attachmentError.js';
import type { FilePart } from './contentParts.js';
import { renderFileText } from './contentParts.js';

const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'jfif', 'webp', 'gif']);
const IMAGE_MIMES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);

const TEXT_EXTENSIONS = new Set(
  (
    'txt text md markdown rst adoc org log out csv tsv json jsonc json5 jsonl ndjson geojson yaml yml toml ini cfg ' +
    'conf config env properties xml xsd xsl html htm xhtml css scss sass less svg plist ' +
    'js mjs cjs jsx ts mts cts tsx vue svelte astro py pyi pyw ipynb rb erb php java kt kts scala groovy gradle go ' +
    'rs c h cc cpp cxx hpp hh hxx cs fs fsx vb swift m mm dart lua pl pm r jl sh bash zsh fish ps1 psm1 bat cmd ' +
    'sql graphql gql proto tf tfvars hcl nix cmake mk make dockerfile elm ex exs erl hrl hs ml mli clj cljs edn ' +
    'lisp el scm rkt nim zig v sv vhd sol asm s diff patch tex bib srt vtt lock sum mod gitignore gitattributes ' +
    'dockerignore editorconfig npmrc prettierrc eslintrc babelrc'
  ).split(' '),
);
/** Source files conventionally without an extension. */
const TEXT_NAMES = new Set([
  'dockerfile',
  'makefile',
  'gemfile',
  'rakefile',
  'procfile',
  'readme',
  'license',
  'jenkinsfile',
]);
const TEXT_MIMES = new Set([
  'application/json',
  'application/ld+json',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/javascript',
  'application/x-javascript',
  'application/typescript',
  'application/x-sh',
  'application/sql',
  'application/graphql',
  'image/svg+xml',
]);

export type AttachmentKind =
  | { readonly kind: 'image' }
  | { readonly kind: 'text' }
  | { readonly kind: 'unsupported'; readonly label: string };

/** `.py` for `main.py`; undefined when the name has no extension (a leading dot alone, `.env`, counts as one). */
export function extensionOf(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  if (dot < 0 || dot === base.length - 1) return undefined;
  return base.slice(dot + 1).toLowerCase();
}

const baseMime = (contentType: string | null): string => (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** What we will try to do with a file, before downloading it. */
export function classifyAttachment(name: string, contentType: string | null): AttachmentKind {
  const mime = baseMime(contentType);
  const ext = extensionOf(name);
  if (IMAGE_MIMES.has(mime) || (ext !== undefined && IMAGE_EXTENSIONS.has(ext))) return { kind: 'image' };
  if (mime.startsWith('text/') || TEXT_MIMES.has(mime) || mime.endsWith('+json') || mime.endsWith('+xml')) {
    return { kind: 'text' };
  }
  if (ext !== undefined && TEXT_EXTENSIONS.has(ext)) return { kind: 'text' };
  const base = (name.split(/[\\/]/).pop() ?? name).toLowerCase();
  if (TEXT_NAMES.has(base.replace(/\..*$/, ''))) return { kind: 'text' };
  // No extension and no telling type: let the bytes decide.
  if (ext === undefined && (mime === '' || mime === 'application/octet-stream')) return { kind: 'text' };
  return { kind: 'unsupported', label: ext !== undefined ? `.${ext}` : mime };
}

/** Code points in `text` (a surrogate pair is one character, as the user sees it). */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdbff) count++;
  }
  return count;
}

/** A text file as a content part; AttachmentError when it isn't text or is over `maxChars`. */
export async function readTextFile(name: string, bytes: Uint8Array, maxChars: number): Promise<FilePart> {
  if (bytes.includes(0)) throw new AttachmentError('not-text', attachmentStrings.notText(name));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new AttachmentError('not-text', attachmentStrings.notText(name), { cause: error });
  }
  text = text.replace(/\r\n?/g, '\n');
  // UTF-16 length ≥ code points, so the exact count is only needed above the limit.
  const chars = text.length <= maxChars ? text.length : codePoints(text);
  if (chars > maxChars) throw new AttachmentError('too-long', attachmentStrings.tooLong(name, chars, maxChars));
  return { type: 'file', name, text, tokens: await countTokensAsync(renderFileText(name, text)) };
}
