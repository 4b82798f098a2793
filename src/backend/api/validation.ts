import type { Endpoints, JsonEndpointName, StreamQueryEndpointName } from '../../api/endpoints';
import * as schemas from '../../api/schemas';

type TypesOf<K extends JsonEndpointName> = NonNullable<Endpoints[K]['types']>;

/**
 * The schema that checks each JSON endpoint's body and query. Typed by the
 * endpoint table: giving an endpoint another schema than the one its
 * request type is derived from does not compile.
 */
export const bodySchemas: { [K in JsonEndpointName]: TypesOf<K>['body'] } = {
  health: undefined,
  version: undefined,
  shutdown: undefined,
  policy: undefined,
  sshHostKey: undefined,
  trustSshHostKey: schemas.trustSshHostKeySchema,
  listWorkspaces: undefined,
  createWorkspace: schemas.createRequestSchema,
  getWorkspace: undefined,
  deleteWorkspace: undefined,
  rebuild: schemas.rebuildRequestSchema,
  stop: undefined,
  rebuildSafety: undefined,
  checkUpdate: undefined,
  listImages: undefined,
  listEngines: undefined,
  addEngine: schemas.addEngineRequestSchema,
  removeEngine: undefined,
  setDefaultEngine: undefined,
  listBuilds: undefined,
  cancelBuild: undefined,
  startExec: schemas.execRequestSchema,
  resizeExec: schemas.resizeRequestSchema,
  execStatus: undefined,
  activity: schemas.activityRequestSchema,
  extend: schemas.extendRequestSchema,
  setAutoOff: schemas.autoOffRequestSchema,
  setSchedule: schemas.scheduleRequestSchema,
  holdLease: schemas.leaseRequestSchema,
  renewLease: schemas.leaseRequestSchema,
  releaseLease: undefined,
  statFile: undefined,
  listDirectory: undefined,
  createDirectory: schemas.createDirectoryRequestSchema,
  deleteFile: schemas.deleteFileRequestSchema,
  renameFile: schemas.renameFileRequestSchema,
};

export const querySchemas: { [K in JsonEndpointName]: TypesOf<K>['query'] } = {
  health: undefined,
  version: undefined,
  shutdown: undefined,
  policy: undefined,
  sshHostKey: schemas.sshHostKeyQuerySchema,
  trustSshHostKey: undefined,
  listWorkspaces: undefined,
  createWorkspace: undefined,
  getWorkspace: undefined,
  deleteWorkspace: schemas.deleteQuerySchema,
  rebuild: undefined,
  stop: undefined,
  rebuildSafety: undefined,
  checkUpdate: undefined,
  listImages: undefined,
  listEngines: undefined,
  addEngine: undefined,
  removeEngine: undefined,
  setDefaultEngine: undefined,
  listBuilds: undefined,
  cancelBuild: undefined,
  startExec: undefined,
  resizeExec: undefined,
  execStatus: undefined,
  activity: undefined,
  extend: undefined,
  setAutoOff: undefined,
  setSchedule: undefined,
  holdLease: undefined,
  renewLease: undefined,
  releaseLease: undefined,
  statFile: schemas.filePathQuerySchema,
  listDirectory: schemas.filePathQuerySchema,
  createDirectory: undefined,
  deleteFile: undefined,
  renameFile: undefined,
};

/** The query schemas of the endpoints that stream (bytes or events). */
export const streamQuerySchemas: { [K in StreamQueryEndpointName]: NonNullable<Endpoints[K]['types']>['query'] } = {
  events: undefined,
  followBuild: undefined,
  watchFiles: schemas.watchQuerySchema,
  readFile: schemas.filePathQuerySchema,
  writeFile: schemas.writeFileQuerySchema,
};
