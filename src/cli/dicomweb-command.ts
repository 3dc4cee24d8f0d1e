// `tessera dicomweb reindex [--datastore <id>]`: rebuilds the QIDO-RS index from the image sets' latest metadata documents
// (works while the server runs). The result is JSON on stdout, refusals one line on stderr.
import { ResourceNotFoundException } from '../api/index.js';
import { parseCommandLine } from './command-line.js';

export const DICOMWEB_USAGE = `       tessera dicomweb reindex [--datastore <id>] [--data-dir DIR]`;

export interface DicomwebCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export type OpenQidoReindex = (dataDir: string) => Promise<{ reindex(datastoreId: string | undefined): Promise<object>; close(): void }>;

export async function runDicomwebCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, open: OpenQidoReindex, io: DicomwebCommandIo): Promise<number> {
  const { args, flags } = parseCommandLine(argv);
  const unknown = [...flags.keys()].find((flag) => flag !== 'datastore' && flag !== 'data-dir');
  if (unknown !== undefined) return usage(io, `unknown flag --${unknown}`);
  if (args.length !== 1 || args[0] !== 'reindex') return usage(io, 'give reindex');
  const datastoreId = flags.get('datastore');
  if (datastoreId === '') return usage(io, '--datastore needs a data store id');
  let reindexer;
  try {
    reindexer = await open(flags.get('data-dir') ?? env.TESSERA_DATA_DIR ?? './data');
  } catch (error) {
    io.stderr(`tessera dicomweb: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    io.stdout(`${JSON.stringify(await reindexer.reindex(datastoreId), null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      io.stderr(`tessera dicomweb: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    reindexer.close();
  }
}

function usage(io: DicomwebCommandIo, message: string): number {
  io.stderr(`tessera: ${message}\nUsage:\n${DICOMWEB_USAGE}\n`);
  return 2;
}
