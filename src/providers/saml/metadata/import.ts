import { createReadStream } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../../../db/connect.js';
import { deleteIdps, insertIdps } from '../catalogue.js';
import type { MetadataSource } from '../config.js';
import { type IdpRecord, type MetadataDocument, MetadataParser } from './parse.js';
import { checkSignatureCoversRoot, verifyWithXmlsec1 } from './verify.js';

const BATCH = 500;

export interface Imported {
  doc: MetadataDocument;
  idps: number;
}

/** Another process holds the import lock for this entry: it is importing the same document. */
export class ImportBusy extends Error {
  override readonly name = 'ImportBusy';
}

/**
 * Replaces an entry's IdPs with those of a metadata file, all or nothing. A federation aggregate
 * (or an IdP's metadata with a configured certificate) must first verify with xmlsec1, then is
 * stream-parsed straight into the database in batches inside one transaction; the signature must
 * cover the root, the document must not have expired (and an aggregate must say when it does, unless
 * the entry waives that), and a single-IdP entry must find exactly one
 * IdP — otherwise the transaction rolls back and the last good copy stays in place.
 */
export async function importMetadataFile(
  db: Db,
  provider: string,
  source: MetadataSource,
  file: string,
  ctx: { now: Date; workDir: string; requireValidUntil: boolean },
): Promise<Imported> {
  if (source.certificate) await verifyWithXmlsec1(file, source.certificate, ctx.workDir);
  return db.transaction().execute(async (tx) => {
    // One importer per entry across processes; the others find the result when it commits.
    const lock = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(hashtext(${`lanyard:saml:${provider}`})) as locked`.execute(tx);
    if (!lock.rows[0]?.locked) throw new ImportBusy('another process is importing this metadata');
    await deleteIdps(tx, provider);
    let batch: IdpRecord[] = [];
    const parser = new MetadataParser((idp) => batch.push(idp), ctx.now);
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
      parser.write(chunk as string);
      if (batch.length >= BATCH) {
        const full = batch;
        batch = [];
        await insertIdps(tx, provider, full);
      }
    }
    const doc = parser.end();
    await insertIdps(tx, provider, batch);
    if (source.certificate) checkSignatureCoversRoot(doc);
    if (doc.validUntil && doc.validUntil.getTime() <= ctx.now.getTime())
      throw new Error(`the metadata expired at ${doc.validUntil.toISOString()} (validUntil)`);
    if (!doc.validUntil && source.kind === 'federation' && ctx.requireValidUntil)
      throw new Error(
        'the aggregate carries no validUntil, so nothing would end its trust; set requireValidUntil to false only if the federation publishes none',
      );
    if (source.kind === 'idp' && doc.idps !== 1)
      throw new Error(
        doc.idps === 0
          ? 'the metadata describes no SAML 2.0 identity provider'
          : `the metadata describes ${doc.idps} identity providers; use federationMetadataUrl for an aggregate`,
      );
    if (doc.idps === 0) throw new Error('the aggregate lists no SAML 2.0 identity provider');
    return { doc, idps: doc.idps };
  });
}
