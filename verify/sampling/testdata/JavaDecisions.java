/*
 * Records the OpenTelemetry Java SDK's TraceIdRatioBased decisions for java_test.go.
 *
 * Needs the Java SDK's jars, version 1.68.0, from Maven Central (group io.opentelemetry), kept outside the
 * repository, for example in /tmp/javasdk:
 *     opentelemetry-sdk-trace-1.68.0.jar, opentelemetry-sdk-common-1.68.0.jar, opentelemetry-api-1.68.0.jar,
 *     opentelemetry-context-1.68.0.jar and opentelemetry-common-1.68.0.jar (a runtime dependency of the context jar).
 * Run with Java 17 or later, as a single-file program:
 *     java -cp "$(echo /tmp/javasdk/*.jar | tr ' ' :)" JavaDecisions.java > java_decisions.json
 *
 * The sampler's rule (TraceIdRatioBasedSampler): Math.abs(the trace ID's low 64 bits as a signed long) < idUpperBound,
 * where idUpperBound is Long.MIN_VALUE for ratio 0, Long.MAX_VALUE for ratio 1 and (long) (ratio * Long.MAX_VALUE)
 * otherwise. So the cases cover, at each ratio, the low parts 0, 1, all ones, Long.MIN_VALUE (whose Math.abs is
 * itself, negative), Long.MAX_VALUE, the bound's edges and their negations, and 40 random low parts.
 */

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;

public class JavaDecisions {
  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

  /** The same bound TraceIdRatioBasedSampler.create computes (its getIdUpperBound is package-private). */
  static long idUpperBound(double ratio) {
    if (ratio == 0.0) {
      return Long.MIN_VALUE;
    } else if (ratio == 1.0) {
      return Long.MAX_VALUE;
    }
    return (long) (ratio * Long.MAX_VALUE);
  }

  /** Adds v to lows if it is a long. */
  static void addIfLong(List<Long> lows, BigInteger v) {
    if (v.compareTo(MIN) >= 0 && v.compareTo(MAX) <= 0) {
      lows.add(v.longValueExact());
    }
  }

  static String sdkVersion() throws Exception {
    Properties p = new Properties();
    try (InputStream in =
        Sampler.class.getResourceAsStream("/io/opentelemetry/sdk/trace/version.properties")) {
      p.load(in);
    }
    return p.getProperty("sdk.version");
  }

  public static void main(String[] args) throws Exception {
    Random rng = new Random(7);
    double[] rates = {0.0, 0.001, 0.1, 0.25, 1.0 / 3, 0.5, 0.9, 0.999, 1.0};
    List<String> cases = new ArrayList<>();
    for (double rate : rates) {
      Sampler sampler = Sampler.traceIdRatioBased(rate);
      List<Long> lows = new ArrayList<>();
      lows.add(0L);
      lows.add(1L);
      lows.add(-1L); // 0xffffffffffffffff
      lows.add(Long.MIN_VALUE); // 0x8000000000000000
      lows.add(Long.MAX_VALUE); // 0x7fffffffffffffff
      BigInteger bound = BigInteger.valueOf(idUpperBound(rate));
      for (int d = -1; d <= 1; d++) {
        BigInteger edge = bound.add(BigInteger.valueOf(d));
        addIfLong(lows, edge);
        addIfLong(lows, edge.negate());
      }
      for (int i = 0; i < 40; i++) {
        lows.add(rng.nextLong());
      }
      for (long low : lows) {
        long high = (0xabL << 56) | (rng.nextLong() >>> 8);
        String traceId = String.format("%016x%016x", high, low);
        SamplingDecision decision =
            sampler
                .shouldSample(
                    Context.root(), traceId, "x", SpanKind.SERVER, Attributes.empty(), List.of())
                .getDecision();
        cases.add(
            String.format(
                "{\"rate\":%s,\"trace_id\":\"%s\",\"sampled\":%s}",
                Double.toString(rate), traceId, decision == SamplingDecision.RECORD_AND_SAMPLE));
      }
    }
    System.out.println(
        "{\"sdk\": \"opentelemetry-sdk-trace " + sdkVersion() + "\", \"cases\": [");
    System.out.println(String.join(",\n", cases));
    System.out.println("]}");
  }
}
