// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.PeerCollaboration;
import reactor.core.publisher.Mono;

/**
 * Connects an application to the per-user agent that owns the collaboration of its user (identity, contacts, presence,
 * registrations), as {@link PeerCollaboration#agent()} does. Found with {@link java.util.ServiceLoader}: the
 * {@code peercollab-agent} artifact provides one.
 */
public interface AgentConnector {

	/**
	 * @return the agent's collaboration, as the same interface an embedded endpoint offers; the agent is started if
	 * none runs for this user. Disposing it detaches this application; the agent keeps running.
	 */
	Mono<PeerCollaboration> attach();
}
