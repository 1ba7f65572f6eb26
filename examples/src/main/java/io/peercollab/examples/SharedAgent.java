// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;

/**
 * The README's "Two ways to run", shared: an application attaches to the user's agent instead of owning its own
 * endpoint. It needs {@code peercollab-agent} on the class path; the chat's {@code --agent} runs this way.
 */
final class SharedAgent {

	private SharedAgent() {
	}

	/** @return the agent's collaboration, signed in for every attached application */
	static PeerCollaboration attachAndSignIn() {
		// region readme-agent
		PeerCollaboration collab = PeerCollaboration.agent().block(); // with peercollab-agent on the class path
		collab.signIn(PeerScope.ALL).block();                           // every attached application sees it
		// endregion
		return collab;
	}
}
