// SPDX-License-Identifier: Apache-2.0
/**
 * Contact cards: the XML format shared with the system PeerCollab re-creates, read and written.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.card;
