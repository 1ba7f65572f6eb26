// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's in-memory example runs: Bob accepts, and accepts again after the network was cut under him. */
class InMemoryTestingTest {

	@Test
	void aliceInvitesBobOnAnInMemoryNetworkBeforeAndAfterACut() {
		InvitationResponse[] answers = InMemoryTesting.run();
		assertThat(answers).extracting(InvitationResponse::status)
				.containsExactly(InvitationStatus.ACCEPTED, InvitationStatus.ACCEPTED);
	}
}
