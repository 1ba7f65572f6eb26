// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.peercollab.CollaborationContract;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The collaboration contract through the agent: every endpoint of a test is an agent (its own identity, over the
 * in-memory transport) with an application attached to it over a Unix domain socket, and the test talks to the
 * attached application. Every test of the contract runs.
 */
class AgentCollaborationTest extends CollaborationContract {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@TempDir
	Path tmp;

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final List<PeerCollabAgent> agents = new ArrayList<>();
	private final List<PeerCollaboration> attached = new ArrayList<>();
	/** The agent's own collaboration behind each attached one, for the engine's test access. */
	private final Map<PeerCollaboration, PeerCollaboration> engines = new IdentityHashMap<>();

	@Override
	protected PeerTransport transport() {
		return network.transport();
	}

	@Override
	protected PeerCollaboration endpoint(PeerIdentity id, UnaryOperator<PeerCollaboration.Builder> custom) {
		PeerCollaboration.Builder b = PeerCollaboration.builder().identity(id).transport(transport())
				.discovery(new NoPeersDiscovery());
		AgentSettings settings = AgentSettings.defaults().directory(tmp.resolve("agent" + agents.size()));
		PeerCollaboration engine = custom.apply(b).build();
		PeerCollabAgent agent = PeerCollabAgent.start(engine, settings).block(WAIT);
		agents.add(agent);
		PeerCollaboration c = PeerCollabAgent.attach(settings).block(WAIT);
		attached.add(c);
		engines.put(c, engine);
		c.signIn(PeerScope.ALL).block(WAIT);
		return c;
	}

	@Override
	protected PeerCollaboration engine(PeerCollaboration endpoint) {
		return engines.getOrDefault(endpoint, endpoint);
	}

	@AfterEach
	void stopAgents() {
		Flux.fromIterable(attached).flatMap(c -> c.close().onErrorResume(e -> Mono.empty())).then().block(WAIT);
		Flux.fromIterable(agents).flatMap(PeerCollabAgent::stop).then().block(WAIT);
	}
}
