// SPDX-License-Identifier: Apache-2.0
/**
 * A remote peer as this endpoint reaches it: connecting to its candidate addresses, following its events across
 * reconnections, and inviting it.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.peer;
