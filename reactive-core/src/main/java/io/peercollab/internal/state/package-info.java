// SPDX-License-Identifier: Apache-2.0
/**
 * The published state of one endpoint (presence, applications, objects, an immutable snapshot per version) and its
 * followers: one generic diff per follower, and one shared event per visibility class.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.state;
