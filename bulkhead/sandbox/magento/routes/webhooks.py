"""Core `GET /V1/webhooks/list`: every subscribed webhook (Adobe Commerce webhooks module).

Shape as Adobe documents it (https://developer.adobe.com/commerce/extensibility/webhooks/api,
"Get a list of all subscribed webhooks"; resource `Magento_AdobeCommerceWebhooks::webhooks_list`):
a JSON array of `{webhook_method, webhook_type, batch_name, hook_name, url, required, ...}`.
"""

from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento.registry import route
from bulkhead.sandbox.state import StoreState


@route("GET", "/V1/webhooks/list")
def webhooks_list(state: StoreState, _request: Request, _params: dict[str, str]) -> Response:
    with state.lock:
        return Response(200, [dict(h) for h in state.table("adobe_webhooks").values()])
