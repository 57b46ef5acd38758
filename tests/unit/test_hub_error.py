"""One client-side error type for every client of the hub, with the hub's codes and its own."""

from __future__ import annotations

from shared.protocol import Error, ErrorCode, HubError, server_frame_decoder


def test_an_error_frame_becomes_a_hub_error_with_its_code_and_details() -> None:
    frame = server_frame_decoder.decode(
        b'{"type": "error", "id": "c7", "code": "claim_lost", "message": "Dana claimed it",'
        b' "details": {"winner": {"id": "P1", "name": "Dana"}}}'
    )
    assert isinstance(frame, Error)
    error = HubError.from_frame(frame)
    assert error.code is ErrorCode.CLAIM_LOST and str(error) == error.message == "Dana claimed it"
    assert error.details == {"winner": {"id": "P1", "name": "Dana"}}


def test_the_client_side_codes_are_error_codes() -> None:
    assert HubError("offline", "not connected").code is ErrorCode.OFFLINE
    assert HubError(ErrorCode.TIMEOUT, "no answer").details == {}
