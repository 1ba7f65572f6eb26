// SPDX-License-Identifier: Apache-2.0
/**
 * Collaboration sessions, from the host's side and from a member's: the message buffer, flow control through the
 * transport, and the end of a session.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.session;
