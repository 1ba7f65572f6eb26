// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import io.peercollab.PeerCollaboration;
import io.peercollab.agent.AgentSettings;
import io.peercollab.spi.AgentConnector;
import reactor.core.publisher.Mono;

/**
 * What {@link PeerCollaboration#agent()} finds: attaches with {@link AgentSettings#defaults()}, starting the agent
 * with no options if none runs; such an agent has no console, so it keeps the default consent policy,
 * {@link io.peercollab.agent.ConsentHook#DECLINE}.
 */
public final class DefaultAgentConnector implements AgentConnector {

	@Override
	public Mono<PeerCollaboration> attach() {
		return AgentClient.attachOrStart(AgentSettings.defaults());
	}
}
