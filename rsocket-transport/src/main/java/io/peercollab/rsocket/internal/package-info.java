// SPDX-License-Identifier: Apache-2.0
/**
 * The implementation of {@link io.peercollab.rsocket.RSocketPeerTransport}: TLS, the payload codec, error codes,
 * responder and requester. Not API: there is no compatibility promise, anything here may change at any time.
 */
package io.peercollab.rsocket.internal;
