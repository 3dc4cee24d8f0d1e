// What the index keeps of an image set's latest version (search fields, placement levels), derived from its document.
import { dicomTagsSummary } from './dicom-tags-summary.js';
import { countInstances } from './metadata-document.js';
import type { ImageSetMetadataDocument } from './metadata-document-types.js';
import { levelsOfDocument } from './metadata-levels.js';
import type { ImageSetIndexFields } from './image-set-repository.js';
import { storedStudyDateTimeKey } from './image-set-search.js';

/**
 * The index fields of `document`. An image set whose last series was removed keeps the Study/Series UIDs it had
 * (`fallback`), so it stays in its place in the index.
 */
export function indexFieldsOf(document: ImageSetMetadataDocument, fallback: { readonly studyInstanceUID: string; readonly seriesInstanceUID: string }): ImageSetIndexFields {
  const tags = dicomTagsSummary(document);
  const study = document.Study.DICOM.StudyInstanceUID;
  return {
    studyInstanceUID: typeof study === 'string' && study !== '' ? study : fallback.studyInstanceUID,
    seriesInstanceUID: Object.keys(document.Study.Series)[0] ?? fallback.seriesInstanceUID,
    levelsJson: JSON.stringify(levelsOfDocument(document)),
    dicomTagsJson: JSON.stringify(tags),
    patientId: tags.DICOMPatientId,
    accessionNumber: tags.DICOMAccessionNumber,
    studyId: tags.DICOMStudyId,
    studyDateTime: storedStudyDateTimeKey(tags.DICOMStudyDate, tags.DICOMStudyTime),
    instanceCount: countInstances(document),
  };
}

/** Messages on the wire match `^[\w -:`]+$` (wire contract `Message`): other characters become spaces. */
export function wireMessage(text: string): string {
  const cleaned = text.replace(/[^\w -:`]/g, ' ').slice(0, 2048).trim();
  return cleaned === '' ? 'The operation failed' : cleaned;
}
