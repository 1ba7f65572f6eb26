// SPDX-License-Identifier: Apache-2.0
/**
 * The engine behind {@code PeerCollaboration}: its builder, its life cycle (sign-in, sign-out, close) and the wiring
 * of the rooms below, each given what it needs through its constructor; none reaches through another.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.engine;
