import { param, type ServiceRoutes } from '../routing';

/** A deterministic stand-in for a scanned proof of delivery: a minimal PDF of about 64 KB. */
export function samplePdf(documentId: string): Buffer {
  const header = Buffer.from(`%PDF-1.4\n% sandbox document ${documentId}\n`);
  const filler = Buffer.alloc(64 * 1024, `scan ${documentId} `);
  return Buffer.concat([header, filler, Buffer.from('\n%%EOF\n')]);
}

/** Samsara: document PDFs. */
export const samsaraRoutes: ServiceRoutes = (router) => {
  router.get('/fleet/documents/:id/pdf', (req, res) => {
    res.status(200).type('application/pdf').send(samplePdf(param(req, 'id')));
  });
};
