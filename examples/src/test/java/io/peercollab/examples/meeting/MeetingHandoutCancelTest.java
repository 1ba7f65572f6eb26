// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handout can be cancelled while it travels: by its sender (it stops for everyone, and its upload is answered) or
 * by a receiver (who stops taking it; the sender sees that receiver cancelled). The upload here is a request whose
 * body the test holds open, as a slow browser would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MeetingHandoutCancelTest {

	private static final Pattern HANDOUT = Pattern.compile("\"handout\":\\{\"id\":\"([^\"]+)\"");

	@Test
	void theSenderAndAReceiverCanCancelAHandout() throws Exception {
		try (InMemoryPeople.AliceAndBob meeting = InMemoryPeople.aliceInvitesBob()) {
			MeetingSpace alice = meeting.alice();
			MeetingSpace bob = meeting.bob();
			InMemoryPeople.PageFeed alicePage = meeting.alicePage();
			InMemoryPeople.PageFeed bobPage = meeting.bobPage();

			// the sender cancels
			Sinks.Many<ByteBuffer> body = Sinks.many().unicast().onBackpressureBuffer();
			CompletableFuture<HttpResponse<String>> upload = upload(alice, body);
			body.tryEmitNext(ByteBuffer.wrap(new byte[300 * 1024]));
			String receiving = bobPage.await("bob receives", u -> u.contains("\"state\":\"receiving\"")
					&& u.contains("\"transferred\":" + 5 * Meeting.CHUNK));
			String id = id(receiving);
			alice.handle("{\"t\":\"cancel-handout\",\"id\":\"" + id + "\"}");
			bobPage.await("bob sees it cancelled", u -> u.contains(id) && u.contains(
					"\"state\":\"cancelled by alice\""));
			alicePage.await("alice sees it cancelled", u -> u.contains(id) && u.contains("\"state\":\"cancelled\""));
			// the browser's request ends (its body was sent); the answer says the handout did not go out
			body.tryEmitComplete();
			HttpResponse<String> answer = upload.get(30, TimeUnit.SECONDS);
			assertThat(answer.statusCode()).isEqualTo(409);
			assertThat(answer.body()).contains("cancelled");

			// a receiver cancels: the sender sees who did, and finishes for the others
			Sinks.Many<ByteBuffer> second = Sinks.many().unicast().onBackpressureBuffer();
			CompletableFuture<HttpResponse<String>> secondUpload = upload(alice, second);
			second.tryEmitNext(ByteBuffer.wrap(new byte[300 * 1024]));
			String id2 = id(bobPage.await("bob receives the second", u -> u.contains("\"state\":\"receiving\"")
					&& !u.contains(id)));
			bob.handle("{\"t\":\"cancel-handout\",\"id\":\"" + id2 + "\"}");
			bobPage.await("bob stopped taking it", u -> u.contains(id2) && u.contains(
					"\"state\":\"cancelled here\""));
			alicePage.await("alice sees bob cancelled", u -> u.contains(id2) && u.contains(
					"\"receivers\":{\"bob\":\"cancelled\"}"));
			second.tryEmitComplete();
			assertThat(secondUpload.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		}
	}

	private static CompletableFuture<HttpResponse<String>> upload(MeetingSpace space, Sinks.Many<ByteBuffer> body) {
		HttpRequest request = HttpRequest.newBuilder(URI.create(space.url() + "handouts?name=big.bin&size="
						+ (600 * 1024)))
				.POST(HttpRequest.BodyPublishers.fromPublisher(JdkFlowAdapter.publisherToFlowPublisher(body.asFlux())))
				.build();
		return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
	}

	private static String id(String update) {
		Matcher m = HANDOUT.matcher(update);
		assertThat(m.find()).as(update).isTrue();
		return m.group(1);
	}
}
