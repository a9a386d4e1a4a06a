import { ApplicationFailure } from '@temporalio/common';
import { heartbeat } from './report';
import type { IdempotencyKey } from '../../core/saga/keys';
import type { Clients } from '../clients';
import { PERMANENT_FAILURE } from '../../core/saga/failures';

/** Largest proof-of-delivery document accepted: scans are a few MB; anything bigger is not a POD. */
export const MAX_DOCUMENT_BYTES = 25 * 1024 * 1024;

export interface DocumentRef {
  documentId: string;
  name: string;
  shipmentId: string;
}

/** A document kept in the records archive: what later steps need instead of the bytes. */
export interface ArchivedFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

/**
 * Samsara documents. The bytes never travel through the workflow (Temporal payloads stop at 2 MB):
 * the download lands in the records archive and the saga passes its id on.
 */
export function createDocumentActivities({ samsara, records }: Pick<Clients, 'samsara' | 'records'>) {
  return {
    /** Streams the document's PDF from Samsara, heartbeating per chunk, and archives it in records. */
    async downloadDocument(doc: DocumentRef, key: IdempotencyKey): Promise<ArchivedFile> {
      const response = await samsara.downloadDocumentPdf(doc.documentId);
      const chunks: Buffer[] = [];
      let size = 0;
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > MAX_DOCUMENT_BYTES) {
            throw ApplicationFailure.nonRetryable(`document ${doc.documentId} is over ${MAX_DOCUMENT_BYTES} bytes`, PERMANENT_FAILURE.DocumentTooLarge);
          }
          chunks.push(Buffer.from(chunk));
          // A dead worker is noticed within the heartbeat timeout instead of the 10-minute limit.
          heartbeat({ bytes: size });
        }
      }
      const contentType = response.headers.get('content-type')?.split(';')[0] ?? 'application/pdf';
      const archived = await records.archiveDocument({ name: doc.name, shipmentId: doc.shipmentId, contentType, bytes: Buffer.concat(chunks) }, key);
      return { ...archived, name: doc.name, contentType };
    },
  };
}
