// The public surface of src/dicom: the DICOM standard without any third-party types.
export { bufferByteSource, fileByteSource, type ByteSource } from './byte-source.js';
export type { DicomJsonDataset, DicomJsonElement, DicomJsonValue, DicomTag, PersonNameValue } from './dicom-json.js';
export { DicomParseError } from './dicom-parse-error.js';
export { isPrivateTag, keywordOf, tagInfo, tagOf, type TagInfo } from './dictionary.js';
export {
  readFrame, readPart10,
  type ByteRange, type DatasetWarning, type FrameLocation, type ParsedInstance, type PixelDataLocation, type PixelDataWarning, type ReadPart10Options,
} from './part10-reader.js';
export {
  allTransferSyntaxes, datasetEncodingOf, transferSyntaxOf,
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN,
  type DatasetEncoding, type FrameCodestream, type TransferSyntax,
} from './transfer-syntax.js';
export {
  encapsulatedFragment,
  encapsulatedPixelDataStart,
  nativePixelDataHeader,
  sequenceDelimitation,
  writePart10,
  writePart10Head,
  TESSERA_IMPLEMENTATION_CLASS_UID,
  type Part10Input,
  type PixelDataPayload,
} from './part10-writer.js';
