// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.nio.file.Path;
import java.time.Duration;

import io.peercollab.NoPeersDiscovery;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.agent.AgentSettings;
import io.peercollab.agent.PeerCollabAgent;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's shared way to run: {@code PeerCollaboration.agent()} attaches to the agent of the directory that
 * {@code peercollab.agent.dir} names (a running agent, so nothing is started), and a sign-in made there is the
 * agent's.
 */
class SharedAgentTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@TempDir
	Path tmp;

	@Test
	void anApplicationAttachesWithAgentAndItsSignInIsTheAgents() {
		PeerCollaboration engine = PeerCollaboration.builder().identity(PeerIdentity.generate("agent"))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).discovery(new NoPeersDiscovery()).build();
		PeerCollabAgent agent = PeerCollabAgent.start(engine, AgentSettings.defaults().directory(tmp.resolve("agent")))
				.block(WAIT);
		String before = System.getProperty("peercollab.agent.dir");
		System.setProperty("peercollab.agent.dir", tmp.resolve("agent").toString());
		try {
			PeerCollaboration attached = SharedAgent.attachAndSignIn();
			assertThat(attached.name()).isEqualTo(engine.name());
			assertThat(engine.signInScope()).isEqualTo(PeerScope.ALL);
			attached.close().block(WAIT);
			assertThat(engine.signInScope()).as("detaching leaves the agent signed in").isEqualTo(PeerScope.ALL);
		}
		finally {
			if (before == null) {
				System.clearProperty("peercollab.agent.dir");
			}
			else {
				System.setProperty("peercollab.agent.dir", before);
			}
			agent.stop().block(WAIT);
		}
	}
}
