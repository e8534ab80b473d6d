/**
 * What-if simulation (issue 6): replay a request set through a baseline and a candidate version and report what
 * would change. Node only (worker threads, files).
 */
export { runSimulation, SimulationCancelled, SimulationError, type RunOptions, type SimulationResult, type SimulationSide, type SimulationSpec } from "./run.js";
export type { SimulationReport, SideReport } from "./report.js";
export type { ChangedRecord, InvalidSample } from "./aggregate.js";
export { ChangedStore, CSV_COLUMNS } from "./changed.js";
export { fundControl, type FundControlParams, type FundControlReport } from "./fund-control.js";
export { profileFor, type ProgramProfile } from "./profile.js";
export { RequestSetCatalog, type OpenSet, type RequestSetSummary } from "./request-sets.js";
export { importRequestSet, csvRecordToRequest, type ImportFormat, type ImportResult, type RowError } from "./import.js";
export { readDescriptors, materialize, generateRequests, type HistoryDescriptor } from "./history/index.js";
export type { SetFileMeta } from "./set-file.js";
export { openResolved, prepareSimulation, resolveSimulation, typedParams, type PolicySource, type Prepared, type Resolved, type SimulationRequest } from "./prepare.js";
