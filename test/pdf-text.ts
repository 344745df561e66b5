/**
 * The text of a pdf-lib document, page by page, read back from its content streams with pdf-lib's own
 * parser and stream decoder: pdf-lib draws standard-font text as hex strings (`<48656C6C6F> Tj`).
 */
import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream } from 'pdf-lib';

export const pdfText = async (bytes: Uint8Array): Promise<string[][]> => {
  const doc = await PDFDocument.load(bytes);
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const streams =
      contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
    const text: string[] = [];
    for (const s of streams) {
      if (!(s instanceof PDFRawStream)) continue;
      const ops = Buffer.from(decodePDFRawStream(s).decode()).toString('latin1');
      for (const m of ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g))
        text.push(Buffer.from(m[1] ?? '', 'hex').toString('latin1'));
    }
    return text;
  });
};
