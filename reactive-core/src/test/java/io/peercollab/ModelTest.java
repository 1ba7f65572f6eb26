// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The model records validate themselves with messages that name the field and the limit.
 */
class ModelTest {

	@Test
	void presenceTextIsLimitedTo255Characters() {
		assertThat(new PresenceInfo(PresenceStatus.BUSY, null).text()).isEmpty();
		assertThat(new PresenceInfo(PresenceStatus.BUSY, "x".repeat(255)).text()).hasSize(255);
		assertThatThrownBy(() -> new PresenceInfo(PresenceStatus.BUSY, "x".repeat(256)))
				.isInstanceOf(PayloadTooLargeException.class).hasMessageContaining("text").hasMessageContaining("255");
		assertThatThrownBy(() -> new PresenceInfo(null, "")).isInstanceOf(NullPointerException.class)
				.hasMessageContaining("status");
	}

	@Test
	void presenceAndRemoteEndPointAreEqualExactlyWhenEveryComponentIs() {
		PresenceInfo busy = new PresenceInfo(PresenceStatus.BUSY, "in a call");
		assertThat(busy).isEqualTo(new PresenceInfo(PresenceStatus.BUSY, "in a call"))
				.hasSameHashCodeAs(new PresenceInfo(PresenceStatus.BUSY, "in a call"))
				.isNotEqualTo(new PresenceInfo(PresenceStatus.AWAY, "in a call"))
				.isNotEqualTo(new PresenceInfo(PresenceStatus.BUSY, "")).isNotEqualTo(null).isNotEqualTo("BUSY");

		PeerEndPoint at = PeerEndPoint.of(new InetSocketAddress("127.0.0.1", 5000));
		PeerApplication app = PeerApplication.of(UUID.randomUUID(), "Whiteboard", PeerScope.ALL);
		PeerObject object = new PeerObject(UUID.randomUUID(), new byte[] { 1 }, PeerScope.ALL);
		RemoteEndPoint e = new RemoteEndPoint("i1", at, "laptop", "al", busy, List.of(app), List.of(object));
		RemoteEndPoint same = new RemoteEndPoint("i1", PeerEndPoint.of(new InetSocketAddress("127.0.0.1", 5000)),
				"laptop", "al", new PresenceInfo(PresenceStatus.BUSY, "in a call"), List.of(app), List.of(object));
		assertThat(e).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(null);
		assertThat(List.of(
				new RemoteEndPoint("i2", at, "laptop", "al", busy, List.of(app), List.of(object)),
				new RemoteEndPoint("i1", PeerEndPoint.of(new InetSocketAddress("127.0.0.1", 5001)), "laptop", "al",
						busy, List.of(app), List.of(object)),
				new RemoteEndPoint("i1", at, "desktop", "al", busy, List.of(app), List.of(object)),
				new RemoteEndPoint("i1", at, "laptop", "bo", busy, List.of(app), List.of(object)),
				new RemoteEndPoint("i1", at, "laptop", "al", PresenceInfo.ONLINE, List.of(app), List.of(object)),
				new RemoteEndPoint("i1", at, "laptop", "al", busy, List.of(), List.of(object)),
				new RemoteEndPoint("i1", at, "laptop", "al", busy, List.of(app), List.of())))
				.allSatisfy(other -> assertThat(e).isNotEqualTo(other));
	}

	@Test
	void applicationLimitsAndLaunchDetailsStayLocal() {
		UUID id = UUID.randomUUID();
		assertThatThrownBy(() -> new PeerApplication(id, "d".repeat(256), null, PeerScope.ALL, null, null))
				.hasMessageContaining("description").hasMessageContaining("255");
		assertThatThrownBy(() -> new PeerApplication(id, "", new byte[16_385], PeerScope.ALL, null, null))
				.hasMessageContaining("data").hasMessageContaining("16384");
		PeerApplication app = new PeerApplication(id, "d", new byte[16_384], PeerScope.ALL, "/bin/app", List.of("-x"));
		PeerApplication shared = app.withoutLaunchDetails();
		assertThat(shared.path()).isEmpty();
		assertThat(shared.arguments()).isEmpty();
		assertThat(shared.data()).isEqualTo(app.data());
		assertThat(app).isEqualTo(new PeerApplication(id, "d", new byte[16_384], PeerScope.ALL, "/bin/app",
				List.of("-x")));
	}

	@Test
	void applicationDataIsCopiedInAndOut() {
		byte[] data = { 1, 2, 3 };
		PeerApplication app = new PeerApplication(UUID.randomUUID(), "", data, PeerScope.ALL, null, null);
		data[0] = 9;
		app.data()[1] = 9;
		assertThat(app.data()).containsExactly(1, 2, 3);
	}

	@Test
	void objectDataIsOneTo16384Bytes() {
		UUID id = UUID.randomUUID();
		assertThatThrownBy(() -> new PeerObject(id, new byte[0], PeerScope.ALL))
				.isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("data must hold at least 1 byte, was 0");
		assertThatThrownBy(() -> new PeerObject(id, new byte[16_385], PeerScope.ALL))
				.hasMessageContaining("16384");
		assertThat(new PeerObject(id, new byte[16_384], PeerScope.ALL)).isEqualTo(
				new PeerObject(id, new byte[16_384], PeerScope.ALL));
	}

	@Test
	void endPointNameIsLimitedAndPortZeroIsRefused() {
		InetSocketAddress a = new InetSocketAddress("127.0.0.1", 5000);
		assertThatThrownBy(() -> new PeerEndPoint("n".repeat(256), a)).hasMessageContaining("name")
				.hasMessageContaining("255");
		assertThatThrownBy(() -> new PeerEndPoint("x", new InetSocketAddress("127.0.0.1", 0)))
				.hasMessageContaining("port");
		assertThat(PeerEndPoint.of(a).name()).isEqualTo("127.0.0.1:5000");
	}

	@Test
	void scopesCombine() {
		assertThat(PeerScope.NEAR_ME.plus(PeerScope.INTERNET)).isEqualTo(PeerScope.ALL);
		assertThat(PeerScope.ALL.minus(PeerScope.NEAR_ME)).isEqualTo(PeerScope.INTERNET);
		assertThat(PeerScope.ALL.minus(PeerScope.ALL)).isEqualTo(PeerScope.NONE);
		assertThat(PeerScope.ALL.includes(PeerScope.NEAR_ME)).isTrue();
		assertThat(PeerScope.NEAR_ME.includes(PeerScope.ALL)).isFalse();
		assertThat(PeerScope.NONE.includesNearMe()).isFalse();
	}

	@Test
	void invitationResponseNeedsASessionWhenAccepted() {
		assertThatThrownBy(() -> InvitationResponse.of(InvitationStatus.ACCEPTED, ""))
				.isInstanceOf(IllegalArgumentException.class);
		assertThat(InvitationResponse.of(InvitationStatus.EXPIRED, null).message()).isEmpty();
	}
}
