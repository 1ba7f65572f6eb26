// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.peercollab.InvitationStatus;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's quickstart, compiled and run: Bob accepts Alice's invitation, and what makes the setup persistent (the
 * identity files and the H2 contact stores) is on disk afterwards.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuickstartTest {

	@TempDir
	Path home;

	@Test
	void bobAcceptsAlicesInvitationAndTheSetupIsKeptOnDisk() {
		assertThat(Quickstart.run(home)).isEqualTo(InvitationStatus.ACCEPTED);

		PeerIdentity alice = PeerIdentity.load(home.resolve("alice.p12"), Quickstart.PASSWORD);
		assertThat(alice.keyType()).isEqualTo(KeyType.ED25519);
		assertThat(alice.name().classifier()).isEqualTo("alice");
		assertThat(home.resolve("alice-contacts").resolve("contacts.mv.db")).isRegularFile();
		assertThat(home.resolve("bob-contacts").resolve("contacts.mv.db")).isRegularFile();
	}

	@Test
	void aSecondRunKeepsTheSameIdentitiesAndWorksAgain() {
		assertThat(Quickstart.run(home)).isEqualTo(InvitationStatus.ACCEPTED);
		PeerIdentity first = PeerIdentity.load(home.resolve("bob.p12"), Quickstart.PASSWORD);

		assertThat(Quickstart.run(home)).isEqualTo(InvitationStatus.ACCEPTED);

		assertThat(PeerIdentity.load(home.resolve("bob.p12"), Quickstart.PASSWORD).name()).isEqualTo(first.name());
	}
}
