import { shipmentStatusSaga } from '../../../sagas/workflows/turvo-shipment-status';
import { type TurvoEvent } from '../../../core/saga/events';
import type { SagaArgs } from '../../../core/saga/input';

/**
 * A workflow bundle for the versioning test only: the Turvo status saga with the "notify the
 * customer on delivery" change applied WITHOUT `patched()`, as a careless edit would ship it.
 */
export async function turvoShipmentStatusSaga(input: SagaArgs<TurvoEvent>) {
  return shipmentStatusSaga(input, () => true);
}
