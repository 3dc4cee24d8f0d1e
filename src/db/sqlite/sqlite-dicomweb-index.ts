// DicomwebIndex on SQLite: whole pixel blobs (migration 7) and the QIDO-RS rows (migration 11). Study rows are
// aggregates of their primary series rows, recomputed in the same transaction as any change to those.
import type Database from 'better-sqlite3';
import type { DicomwebIndex, IndexedImageSet, QidoCondition, QidoImageSetRows, QidoQuery, QidoRow, StoredPixelBlob } from '../../dicomweb/index.js';

type Db = Database.Database;

/** Match key → column (st = study, s = series, i = instance row). */
const COLUMNS: Readonly<Record<string, string>> = {
  StudyDate: 'st.study_date',
  StudyTime: 'st.study_time',
  AccessionNumber: 'st.accession_number',
  ReferringPhysicianName: 'st.referring_physician_name',
  StudyDescription: 'st.study_description',
  PatientName: 'st.patient_name',
  PatientID: 'st.patient_id',
  PatientBirthDate: 'st.patient_birth_date',
  PatientBirthTime: 'st.patient_birth_time',
  StudyInstanceUID: 'st.study_instance_uid',
  StudyID: 'st.study_id',
  Modality: 's.modality',
  SeriesInstanceUID: 's.series_instance_uid',
  SeriesNumber: 's.series_number',
  PerformedProcedureStepStartDate: 's.pps_start_date',
  PerformedProcedureStepStartTime: 's.pps_start_time',
  SOPClassUID: 'i.sop_class_uid',
  SOPInstanceUID: 'i.sop_instance_uid',
  WarningReason: 'i.warning_reason',
};

const STUDY_COLUMNS = 'study_date, study_time, accession_number, referring_physician_name, study_description, patient_name, patient_id, patient_birth_date, patient_birth_time, study_id';

export class SqliteDicomwebIndex implements DicomwebIndex {
  private readonly statements;
  private readonly replaceTransaction;

  constructor(private readonly db: Db) {
    // PN fuzzy matching (dicomweb.md §5.3): some query word is a case-insensitive prefix of some word of the name.
    db.function('qido_fuzzy', { deterministic: true }, (stored: unknown, wordsJson: unknown) => {
      if (typeof stored !== 'string') return 0;
      const words = stored.toLowerCase().split(/[\s^=]+/).filter((w) => w !== '');
      return (JSON.parse(String(wordsJson)) as string[]).some((q) => words.some((w) => w.startsWith(q))) ? 1 : 0;
    });
    this.statements = {
      pixelBlob: db.prepare<[string, string, string], { blob_key: string; transfer_syntax_uid: string }>(
        'SELECT blob_key, transfer_syntax_uid FROM instance_pixel_blobs WHERE datastore_id = ? AND image_set_id = ? AND sop_instance_uid = ?',
      ),
      studyOf: db.prepare<[string, string], { study_instance_uid: string }>('SELECT study_instance_uid FROM dicomweb_series WHERE datastore_id = ? AND image_set_id = ?'),
      dropSeries: db.prepare<[string, string]>('DELETE FROM dicomweb_series WHERE datastore_id = ? AND image_set_id = ?'),
      dropInstances: db.prepare<[string, string]>('DELETE FROM dicomweb_instances WHERE datastore_id = ? AND image_set_id = ?'),
      insertSeries: db.prepare(
        `INSERT INTO dicomweb_series (datastore_id, image_set_id, study_instance_uid, series_instance_uid, modality, series_number, pps_start_date,
           pps_start_time, instance_count, study_json, series_json, ${STUDY_COLUMNS}, updated_at_ms)
         VALUES (@datastoreId, @imageSetId, @study, @series, @modality, @seriesNumber, @ppsStartDate, @ppsStartTime, @instanceCount, @studyJson,
           @seriesJson, @studyDate, @studyTime, @accessionNumber, @referringPhysicianName, @studyDescription, @patientName, @patientId,
           @patientBirthDate, @patientBirthTime, @studyId, @atMs)`,
      ),
      insertInstance: db.prepare(
        `INSERT OR REPLACE INTO dicomweb_instances (datastore_id, image_set_id, sop_instance_uid, sop_class_uid, instance_number, warning_reason, instance_json, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      dropStudy: db.prepare<[string, string]>('DELETE FROM dicomweb_studies WHERE datastore_id = ? AND study_instance_uid = ?'),
      // Image sets with any row, in key order (series rows and instance rows are checked apart: either may be left over).
      indexedImageSets: db.prepare<{ datastoreId: string | null; afterDatastore: string; afterImageSet: string; limit: number }, { datastore_id: string; image_set_id: string }>(
        `SELECT datastore_id, image_set_id FROM dicomweb_series
           WHERE (datastore_id, image_set_id) > (@afterDatastore, @afterImageSet) AND (@datastoreId IS NULL OR datastore_id = @datastoreId)
         UNION
         SELECT DISTINCT datastore_id, image_set_id FROM dicomweb_instances
           WHERE (datastore_id, image_set_id) > (@afterDatastore, @afterImageSet) AND (@datastoreId IS NULL OR datastore_id = @datastoreId)
         ORDER BY 1, 2 LIMIT @limit`,
      ),
      orphanStudies: db.prepare<{ datastoreId: string | null }>(
        `DELETE FROM dicomweb_studies WHERE (@datastoreId IS NULL OR datastore_id = @datastoreId) AND NOT EXISTS
           (SELECT 1 FROM dicomweb_series s WHERE s.datastore_id = dicomweb_studies.datastore_id AND s.study_instance_uid = dicomweb_studies.study_instance_uid)`,
      ),
      // The study's attributes come from its most recently updated series (all primary series of a study agree, §5.2).
      // INDEXED BY: without statistics SQLite would walk every series of the data store.
      putStudy: db.prepare<{ datastoreId: string; study: string }>(
        `INSERT OR REPLACE INTO dicomweb_studies (datastore_id, study_instance_uid, ${STUDY_COLUMNS}, modalities, series_count, instance_count, study_json, updated_at_ms)
         SELECT l.datastore_id, l.study_instance_uid, ${STUDY_COLUMNS.split(', ').map((c) => `l.${c}`).join(', ')},
           (SELECT coalesce(group_concat(m, '\\'), '') FROM (SELECT DISTINCT modality AS m FROM dicomweb_series INDEXED BY dicomweb_series_by_study WHERE datastore_id = @datastoreId AND study_instance_uid = @study AND modality IS NOT NULL ORDER BY modality)),
           a.n, a.instances, l.study_json, a.updated
         FROM (SELECT * FROM dicomweb_series INDEXED BY dicomweb_series_by_study WHERE datastore_id = @datastoreId AND study_instance_uid = @study ORDER BY updated_at_ms DESC LIMIT 1) l,
           (SELECT count(*) AS n, sum(instance_count) AS instances, max(updated_at_ms) AS updated FROM dicomweb_series INDEXED BY dicomweb_series_by_study WHERE datastore_id = @datastoreId AND study_instance_uid = @study) a`,
      ),
    };
    this.replaceTransaction = db.transaction((datastoreId: string, imageSetId: string, study: string | undefined, rows: QidoImageSetRows | undefined, atMs: number) => {
      const s = this.statements;
      // The study the image set leaves (its StudyInstanceUID changed, or it is gone) is recomputed in the same transaction.
      const previousStudy = s.studyOf.get(datastoreId, imageSetId)?.study_instance_uid;
      s.dropSeries.run(datastoreId, imageSetId);
      s.dropInstances.run(datastoreId, imageSetId);
      if (rows !== undefined) {
        const series = rows.series;
        s.insertSeries.run({
          datastoreId,
          imageSetId,
          study: series.studyInstanceUID,
          series: series.seriesInstanceUID,
          modality: series.modality,
          seriesNumber: series.seriesNumber,
          ppsStartDate: series.ppsStartDate,
          ppsStartTime: series.ppsStartTime,
          instanceCount: series.instanceCount,
          studyJson: series.studyJson,
          seriesJson: series.seriesJson,
          ...series.study,
          atMs,
        });
        for (const i of rows.instances) s.insertInstance.run(datastoreId, imageSetId, i.sopInstanceUID, i.sopClassUID, i.instanceNumber, i.warningReason, i.instanceJson, atMs);
      }
      for (const changed of new Set([study, previousStudy])) {
        if (changed === undefined) continue;
        s.dropStudy.run(datastoreId, changed);
        s.putStudy.run({ datastoreId, study: changed });
      }
    });
  }

  async findPixelBlob(datastoreId: string, imageSetId: string, sopInstanceUID: string): Promise<StoredPixelBlob | undefined> {
    const row = this.statements.pixelBlob.get(datastoreId, imageSetId, sopInstanceUID);
    return row === undefined ? undefined : { blobKey: row.blob_key, transferSyntaxUID: row.transfer_syntax_uid };
  }

  async replaceImageSetRows(datastoreId: string, imageSetId: string, study: string | undefined, rows: QidoImageSetRows | undefined, atMs: number): Promise<void> {
    this.replaceTransaction.immediate(datastoreId, imageSetId, study, rows, atMs);
  }

  async listIndexedImageSets(datastoreId: string | undefined, after: IndexedImageSet | undefined, limit: number): Promise<IndexedImageSet[]> {
    return this.statements.indexedImageSets
      .all({ datastoreId: datastoreId ?? null, afterDatastore: after?.datastoreId ?? '', afterImageSet: after?.imageSetId ?? '', limit })
      .map((r) => ({ datastoreId: r.datastore_id, imageSetId: r.image_set_id }));
  }

  async dropStudiesWithoutSeries(datastoreId: string | undefined): Promise<number> {
    return this.statements.orphanStudies.run({ datastoreId: datastoreId ?? null }).changes;
  }

  /** The query plan of a QIDO query (tests check that study searches are index-served). */
  explainQido(query: QidoQuery): string {
    const { sql, params } = qidoSql(query);
    return this.db
      .prepare<Record<string, unknown>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(params)
      .map((r) => r.detail)
      .join(' | ');
  }

  async searchQido(query: QidoQuery): Promise<QidoRow[]> {
    const { sql, params } = qidoSql(query);
    const rows = this.db.prepare<Record<string, unknown>, Record<string, unknown>>(sql).all(params);
    return rows.map((r) => ({
      imageSetId: String(r.image_set_id ?? ''),
      studyJson: String(r.study_json),
      ...(r.series_json !== undefined ? { seriesJson: String(r.series_json) } : {}),
      ...(r.instance_json !== undefined ? { instanceJson: String(r.instance_json) } : {}),
      modalities: String(r.modalities ?? ''),
      studySeriesCount: Number(r.series_count ?? 0),
      studyInstanceCount: Number(r.study_instance_count ?? 0),
      ...(r.series_instance_count !== undefined ? { seriesInstanceCount: Number(r.series_instance_count) } : {}),
    }));
  }
}

function qidoSql(query: QidoQuery): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { datastoreId: query.datastoreId, limit: query.limit, offset: query.offset };
  const isStudyLevel = query.level === 'study';
  const where = [isStudyLevel ? 'st.datastore_id = @datastoreId' : 's.datastore_id = @datastoreId'];
  // Path UIDs constrain the series rows (their own indexes), which then drive the joins.
  if (query.studyInstanceUID !== undefined) {
    where.push(isStudyLevel ? 'st.study_instance_uid = @pathStudy' : 's.study_instance_uid = @pathStudy');
    params.pathStudy = query.studyInstanceUID;
  }
  if (query.seriesInstanceUID !== undefined) {
    where.push('s.series_instance_uid = @pathSeries');
    params.pathSeries = query.seriesInstanceUID;
  }
  query.conditions.forEach((c, n) => where.push(conditionSql(c, `p${n}`, params)));
  const studyFields = 'st.study_json, st.modalities, st.series_count, st.instance_count AS study_instance_count';
  const studies = `dicomweb_studies st${studyIndexFor(query)}`;
  const studyJoin = 'dicomweb_studies st ON st.datastore_id = s.datastore_id AND st.study_instance_uid = s.study_instance_uid';
  const hasPath = query.studyInstanceUID !== undefined || query.seriesInstanceUID !== undefined;
  const bySop = query.conditions.some((c) => c.key === 'SOPInstanceUID' && c.match.kind === 'equals');
  // Which table drives: a path series (its UID index), a path study (the series-by-study index), study match keys (the
  // studies' indexes, then the study's series), else the data store's series.
  const seriesSource =
    query.seriesInstanceUID !== undefined
      ? 'dicomweb_series s INDEXED BY dicomweb_series_by_uid'
      : query.studyInstanceUID !== undefined
        ? 'dicomweb_series s INDEXED BY dicomweb_series_by_study'
        : 'dicomweb_series s';
  const byStudyKeys = !hasPath && query.conditions.some((c) => COLUMNS[c.key]?.startsWith('st.') || c.key === 'ModalitiesInStudy');
  const seriesFrom = byStudyKeys
    ? `${studies} CROSS JOIN dicomweb_series s INDEXED BY dicomweb_series_by_study ON s.datastore_id = st.datastore_id AND s.study_instance_uid = st.study_instance_uid`
    : `${seriesSource} CROSS JOIN ${studyJoin}`;
  let select: string;
  let order: string;
  if (isStudyLevel) {
    select = `SELECT ${studyFields} FROM ${studies}`;
    order = 'st.updated_at_ms DESC, st.study_instance_uid';
  } else if (query.level === 'series') {
    if (byStudyKeys) where[0] = 'st.datastore_id = @datastoreId';
    // CROSS JOIN keeps the series table as the outer loop: SQLite has no statistics to choose it itself.
    select = `SELECT s.image_set_id, s.series_json, s.instance_count AS series_instance_count, ${studyFields} FROM ${seriesFrom}`;
    order = 's.series_number IS NULL, s.series_number, s.series_instance_uid';
  } else {
    const instanceFields = `i.image_set_id, i.instance_json, s.series_json, s.instance_count AS series_instance_count, ${studyFields}`;
    const instanceJoin = 'dicomweb_instances i ON i.datastore_id = s.datastore_id AND i.image_set_id = s.image_set_id';
    select =
      bySop && !hasPath
        ? `SELECT ${instanceFields} FROM dicomweb_instances i INDEXED BY dicomweb_instances_by_sop CROSS JOIN dicomweb_series s ON s.datastore_id = i.datastore_id AND s.image_set_id = i.image_set_id CROSS JOIN ${studyJoin}`
        : byStudyKeys
          ? `SELECT ${instanceFields} FROM ${seriesFrom} CROSS JOIN ${instanceJoin}`
          : `SELECT ${instanceFields} FROM ${seriesSource} CROSS JOIN ${instanceJoin} CROSS JOIN ${studyJoin}`;
    if (bySop && !hasPath) where[0] = 'i.datastore_id = @datastoreId';
    else if (byStudyKeys) where[0] = 'st.datastore_id = @datastoreId';
    order = query.order === 'updated' ? 's.updated_at_ms DESC, i.sop_instance_uid' : 'i.instance_number IS NULL, i.instance_number, i.sop_instance_uid';
  }
  return { sql: `${select} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit OFFSET @offset`, params };
}

/**
 * The studies index a query's most selective study key can use. Named, because SQLite has no statistics and otherwise
 * prefers the update-order index (no sort) and reads every study of the data store.
 */
function studyIndexFor(query: QidoQuery): string {
  const has = (key: string, kinds: readonly string[]) => query.conditions.some((c) => c.key === key && kinds.includes(c.match.kind));
  if (has('StudyInstanceUID', ['equals', 'list'])) return '';
  if (has('PatientID', ['equals', 'list'])) return ' INDEXED BY dicomweb_studies_by_patient_id';
  if (has('AccessionNumber', ['equals', 'list'])) return ' INDEXED BY dicomweb_studies_by_accession';
  if (has('StudyDate', ['equals', 'range'])) return ' INDEXED BY dicomweb_studies_by_date';
  return '';
}

function conditionSql(condition: QidoCondition, name: string, params: Record<string, unknown>): string {
  const { match } = condition;
  if (condition.key === 'ModalitiesInStudy') {
    // The study's modalities are stored backslash-joined; a study matches when any of them equals the value.
    const values = match.kind === 'list' ? match.values : match.kind === 'equals' ? [String(match.value)] : [];
    if (match.kind === 'wildcard') {
      params[name] = `*\\${match.pattern}\\*`;
      return `('\\' || st.modalities || '\\') GLOB @${name}`;
    }
    return `(${values.map((v, i) => {
      params[`${name}_${i}`] = `%\\${v}\\%`;
      return `('\\' || st.modalities || '\\') LIKE @${name}_${i}`;
    }).join(' OR ') || '0'})`;
  }
  const column = COLUMNS[condition.key]!;
  switch (match.kind) {
    case 'equals':
      params[name] = match.value;
      return match.isCaseInsensitive ? `${column} = @${name} COLLATE NOCASE` : `${column} = @${name}`;
    case 'list':
      match.values.forEach((v, i) => (params[`${name}_${i}`] = v));
      return `${column} IN (${match.values.map((_, i) => `@${name}_${i}`).join(', ')})`;
    case 'range': {
      const parts: string[] = [];
      if (match.low !== undefined) {
        params[`${name}_low`] = match.low;
        parts.push(`${column} >= @${name}_low`);
      }
      if (match.high !== undefined) {
        // An upper bound without a time part covers the whole day / second it names.
        params[`${name}_high`] = `${match.high}\uffff`;
        parts.push(`${column} <= @${name}_high`);
      }
      return parts.length === 0 ? '1' : `(${parts.join(' AND ')})`;
    }
    case 'wildcard':
      if (match.isCaseInsensitive) {
        params[name] = match.pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
        return `${column} LIKE @${name} ESCAPE '\\'`;
      }
      params[name] = match.pattern.replace(/\[/g, '[[]');
      return `${column} GLOB @${name}`;
    case 'fuzzy':
      params[name] = JSON.stringify(match.words);
      return `qido_fuzzy(${column}, @${name}) = 1`;
  }
}
