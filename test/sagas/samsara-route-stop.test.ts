import { routeStopArrival } from '../../scripts/lib/saga-events';
import { defineSagaContract } from './support/saga-contract';

describe('samsaraRouteStopSaga (RouteStopArrival)', () => {
  defineSagaContract({
    workflowType: 'samsaraRouteStopSaga',
    input: routeStopArrival,
    steps: [
      { name: 'lookupShipmentLinks', calls: ['GET /shipments/98765/links [-]'] },
      {
        name: 'updateTurvoStop',
        calls: ['PUT /shipments/98765/stops/STOP-2/status [updateTurvoStop]'],
        undo: ['PUT /shipments/98765/stops/STOP-2/status [updateTurvoStop/undo]'],
      },
      {
        name: 'commentOnFront',
        calls: ['POST /conversations/cnv_55c8c149/comments [commentOnFront]'],
        undo: ['DELETE /conversations/cnv_55c8c149/comments?idempotency_key=commentOnFront [commentOnFront/undo]'],
      },
      { name: 'notifyCustomer', calls: ['POST /messages [notifyCustomer]'] },
    ],
    result: { shipmentId: '98765', stopId: 'STOP-2', commentId: 'com_1', notificationId: 'msg_1' },
  });
});
