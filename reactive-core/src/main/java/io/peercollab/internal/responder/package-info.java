// SPDX-License-Identifier: Apache-2.0
/**
 * What this endpoint answers to the remote peers that reach it through the transport: presence, applications, objects,
 * cards, events, invitations and sessions, each filtered by what the caller may see.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.responder;
