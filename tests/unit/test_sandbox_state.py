"""A sandbox store's state as the local state directory keeps it."""

from bulkhead.sandbox.state import StoreState


def test_exporting_an_unchanged_store_gives_the_same_export_and_hands_out_no_id() -> None:
    state = StoreState(store_id="acme-eu", platform="shopify")
    state.table("customers")["1"] = {"id": "1"}
    first_id = state.next_id()

    assert state.export() == state.export()
    assert state.next_id() == first_id + 1


def test_a_restored_store_carries_on_with_the_ids_after_those_it_handed_out() -> None:
    state = StoreState(store_id="acme-eu", platform="shopify")
    handed = [state.next_id() for _ in range(3)]
    restored = StoreState(store_id="acme-eu", platform="shopify")

    restored.restore(state.export())

    assert restored.next_id() == handed[-1] + 1
    assert restored.collections == state.collections
