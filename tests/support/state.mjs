// The test gateway's persisted state (`KASSA_STATE_DIR`), read from outside: byte scans for
// secrets, and row counts of one account's SQLite file (read-only, through Python's sqlite3:
// Node 20 has no `node:sqlite` and better-sqlite3 is not a dependency).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STATE = process.env.KASSA_STATE_DIR;

/** Every file under the state directory. */
export function stateFiles(dir = STATE) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? stateFiles(p) : [p];
  }).filter((f) => statSync(f).isFile());
}

/** `path: needle` for every needle some state file holds, byte for byte (SQLite pages and WAL included). */
export function stateHits(needles) {
  return stateFiles().flatMap((f) => {
    const text = readFileSync(f).toString('latin1');
    return needles.filter((n) => text.includes(n)).map((n) => `${f}: ${n.slice(0, 12)}…`);
  });
}

const COUNT = `
import sqlite3, sys, glob, os, json
account, tables = sys.argv[1], sys.argv[2:]
for path in glob.glob(os.path.join(os.environ['KASSA_STATE_DIR'], '**', '*.sqlite'), recursive=True):
    try:
        db = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
        if db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'account'").fetchone()[0] == 0:
            continue
        if db.execute('SELECT count(*) FROM account WHERE id = ?', (account,)).fetchone()[0] == 0:
            continue
        print(json.dumps({t: db.execute(f'SELECT count(*) FROM {t}').fetchone()[0] for t in tables}))
        sys.exit(0)
    except sqlite3.Error:
        continue
sys.exit(3)
`;

/** Rows per table in one account's object, e.g. `await rowCounts(id, ['page_tokens'])`. */
export function rowCounts(accountId, tables, dir = STATE) {
  const out = execFileSync('python3', ['-c', COUNT, accountId, ...tables], { env: { ...process.env, KASSA_STATE_DIR: dir } });
  return JSON.parse(out.toString());
}

const ALTER = `
import sqlite3, sys, glob, os
account, statements = sys.argv[1], sys.argv[2:]
for path in glob.glob(os.path.join(os.environ['KASSA_STATE_DIR'], '**', '*.sqlite'), recursive=True):
    db = sqlite3.connect(path)
    if db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'account'").fetchone()[0] == 0:
        continue
    if db.execute('SELECT count(*) FROM account WHERE id = ?', (account,)).fetchone()[0] == 0:
        continue
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    sys.exit(0)
sys.exit(3)
`;

/**
 * Runs SQL statements on one account's object database. Only while no gateway serves that
 * state directory: it stands in for time passing (rows made "long ago"), never for the
 * gateway's own writes.
 */
export function alterState(accountId, statements, dir) {
  execFileSync('python3', ['-c', ALTER, accountId, ...statements], { env: { ...process.env, KASSA_STATE_DIR: dir } });
}
