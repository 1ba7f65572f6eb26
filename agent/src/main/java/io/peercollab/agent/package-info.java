// SPDX-License-Identifier: Apache-2.0
/**
 * One PeerCollab per person: the per-user agent that owns the collaboration (identity, contacts, discovery, transport,
 * presence, registrations), the settings of its local channel, and its consent hook for launching applications.
 */
@NullMarked
package io.peercollab.agent;

import org.jspecify.annotations.NullMarked;
