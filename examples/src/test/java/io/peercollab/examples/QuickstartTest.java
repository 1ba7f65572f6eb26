package io.peercollab.examples;

import java.util.concurrent.TimeUnit;

import io.peercollab.InvitationStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's quickstart, compiled and run: Bob accepts Alice's invitation.
 */
@Tag("slow")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuickstartTest {

	@Test
	void bobAcceptsAlicesInvitation() {
		assertThat(Quickstart.run()).isEqualTo(InvitationStatus.ACCEPTED);
	}
}
