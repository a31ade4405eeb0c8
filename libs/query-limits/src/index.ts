export { bodyLimitErrorHandler } from './body-limit';
export { enforceQueryLimits, type QueryLimits } from './enforce-limits';
export { DEFAULT_PAGE, measureOperation, PLAIN_LIST_SIZE, type OperationMeasure } from './measure-operation';
export { KnownOperationTypesRule } from './known-operation-types';
