// Validates an AsyncAPI document with the official AsyncAPI parser, resolving $refs to local files only.
//
//   node validate.mjs <document.yaml> [--invalid-fixture <invalid.yaml>]
//
// Prints every diagnostic and exits 1 if the document has an error. With --invalid-fixture it also checks that
// the validator still rejects a deliberately broken document, and exits 1 if that document passes: a check that
// cannot fail proves nothing.
import path from 'node:path';
import fs from 'node:fs';
import { Parser, fromFile, DiagnosticSeverity } from '@asyncapi/parser';

const SEVERITY = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

function usage(message) {
  console.error(`${message}\nusage: node validate.mjs <document.yaml> [--invalid-fixture <invalid.yaml>]`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { document: undefined, invalidFixture: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--invalid-fixture') {
      args.invalidFixture = argv[++i] ?? usage('--invalid-fixture needs a file');
    } else if (argv[i].startsWith('-')) {
      usage(`unknown option ${argv[i]}`);
    } else if (args.document === undefined) {
      args.document = argv[i];
    } else {
      usage(`unexpected argument ${argv[i]}`);
    }
  }
  if (args.document === undefined) usage('missing document');
  return args;
}

// The contract must be self-contained: a $ref to http(s) is an error, and nothing is ever fetched.
function offlineParser(remoteRefs) {
  const refuse = (schema) => ({
    schema,
    order: 1,
    read(uri) {
      remoteRefs.push(String(uri));
      return '{}';
    },
  });
  return new Parser({ __unstable: { resolver: { cache: false, resolvers: [refuse('http'), refuse('https')] } } });
}

async function check(file) {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) {
    return { file: absolute, document: undefined, problems: [{ severity: 'error', text: 'file not found' }] };
  }
  const remoteRefs = [];
  const { document, diagnostics } = await fromFile(offlineParser(remoteRefs), absolute).parse();
  const problems = diagnostics.map((d) => {
    const where = d.path && d.path.length ? ` at ${d.path.join('.')}` : '';
    const source = d.source && path.resolve(d.source) !== absolute ? ` in ${path.relative(process.cwd(), d.source)}` : '';
    const line = d.range ? `:${d.range.start.line + 1}` : '';
    return { severity: SEVERITY[d.severity] ?? String(d.severity), text: `[${d.code}] ${d.message}${where}${source}${line}` };
  });
  for (const uri of remoteRefs) {
    problems.push({ severity: 'error', text: `[remote-ref] ${uri}: references must point to local files` });
  }
  if (!document && !problems.some((p) => p.severity === 'error')) {
    problems.push({ severity: 'error', text: 'the parser returned no document' });
  }
  return { file: absolute, document, problems };
}

function report({ file, problems }, prefix = '') {
  for (const p of problems) {
    if (p.severity === 'error' || p.severity === 'warning') {
      console.log(`${prefix}${path.relative(process.cwd(), file)}: ${p.severity}: ${p.text}`);
    }
  }
}

const errorsOf = (result) => result.problems.filter((p) => p.severity === 'error');

const args = parseArgs(process.argv.slice(2));
let failed = false;

const main = await check(args.document);
report(main);
const errors = errorsOf(main);
const warnings = main.problems.filter((p) => p.severity === 'warning');
if (errors.length > 0) {
  console.log(`AsyncAPI check FAILED: ${path.basename(main.file)} has ${errors.length} error(s)`);
  failed = true;
} else {
  const d = main.document;
  console.log(`AsyncAPI check OK: ${path.basename(main.file)} (AsyncAPI ${d.version()}, ` +
    `${d.channels().length} channels, ${d.messages().length} messages, ${d.operations().length} operations; ` +
    `${warnings.length} warning(s))`);
}

if (args.invalidFixture) {
  const fixture = await check(args.invalidFixture);
  const fixtureErrors = errorsOf(fixture);
  if (fixtureErrors.length === 0) {
    console.log(`AsyncAPI self-check FAILED: ${path.basename(fixture.file)} is deliberately invalid but was accepted`);
    failed = true;
  } else {
    console.log(`AsyncAPI self-check OK: ${path.basename(fixture.file)} rejected with ${fixtureErrors.length} error(s), as expected`);
    if (process.env.ASYNCAPI_VERBOSE) report(fixture, '  (expected) ');
  }
}

process.exit(failed ? 1 : 0);
