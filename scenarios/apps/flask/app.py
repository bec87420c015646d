"""A small Flask shop, instrumented with OpenTelemetry: the app that otelbench tests.

It can be instrumented in two ways, as the OpenTelemetry Python guide shows:

  * zero-code: run it under the agent, which sets everything up from OTEL_* env:
        opentelemetry-instrument python app.py
  * in code: set INSTRUMENT=code and run it plainly; setup_telemetry() below
    builds the providers itself (still configured by the same OTEL_* env):
        INSTRUMENT=code python app.py

Either way, where the data goes is set by the standard environment, e.g.
    OTEL_SERVICE_NAME=shop
    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318
    OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf  # opentelemetry-distro defaults to grpc, not installed here
    OTEL_PYTHON_FLASK_EXCLUDED_URLS=healthz    # comma-separated regexes: no spans for the probe
Other environment:
    PORT          the app's port (default 8000), on 127.0.0.1
    METRICS_PORT  if set, Prometheus metrics are served on this port at /metrics
"""

import logging
import os
import signal
import sys

from flask import Flask, abort, jsonify, request
from opentelemetry import trace
from prometheus_client import Counter, start_http_server

# Log lines go to stderr. Under opentelemetry-instrument with
# OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED=true they are also exported
# over OTLP, carrying the trace and span id of the request that logged them.
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
log = logging.getLogger("shop")

# The tracer for spans of our own. Getting it through the API is fine at import
# time: it starts working once a TracerProvider is set (by us or the agent).
tracer = trace.get_tracer(__name__)

app = Flask(__name__)

# A Prometheus counter, exposed as flask_app_requests_total.
REQUESTS = Counter(
    "flask_app_requests",
    "HTTP requests handled, by method, route template and status code.",
    ["method", "route", "status"],
)

# The providers that setup_telemetry() made, to shut them down on exit.
providers = []


def setup_telemetry(app):
    """Instrumentation in code. The SDK reads the rest of its settings from env:
    OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES for the resource,
    OTEL_TRACES_SAMPLER(_ARG) for sampling, OTEL_BSP_* for batching,
    OTEL_METRIC_EXPORT_INTERVAL, and OTEL_EXPORTER_OTLP_* for the exporters."""
    # Imported here so that the zero-code way needs none of it.
    from opentelemetry import metrics
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()  # service.name etc. from the env

    # shutdown_on_exit=False: we shut the providers down ourselves (shutdown_telemetry).
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    providers.append(tracer_provider)

    # The Flask instrumentation also records metrics (the HTTP server request
    # duration and active requests), but only into a MeterProvider that is set.
    if os.environ.get("OTEL_METRICS_EXPORTER", "otlp") != "none":
        reader = PeriodicExportingMetricReader(OTLPMetricExporter())
        meter_provider = MeterProvider(resource=resource, metric_readers=[reader], shutdown_on_exit=False)
        metrics.set_meter_provider(meter_provider)
        providers.append(meter_provider)

    # After the providers are set: the instrumentation takes them when it starts.
    FlaskInstrumentor().instrument_app(app)


def shutdown_telemetry():
    """Export what is still buffered (spans in the batch, the last metrics)."""
    while providers:
        providers.pop().shutdown()


def on_sigterm(signum, frame):
    # Flush our own providers, then exit normally: sys.exit runs the atexit
    # hooks, where the agent (opentelemetry-instrument) flushes its own.
    shutdown_telemetry()
    sys.exit(0)


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/hello")
def hello():
    return "hello from the shop\n"


@app.get("/orders/<int:order_id>")
def get_order(order_id):
    return jsonify(id=order_id, status="shipped", items=2)


@app.post("/checkout")
def checkout():
    order = request.get_json(silent=True)
    if not isinstance(order, dict):
        order = {}
    # A span of our own: a child of the server span the instrumentation made.
    with tracer.start_as_current_span("charge-card") as span:
        span.set_attribute("shop.order.id", str(order.get("id", "")))
        log.info("charging card for order %s", order)
    return jsonify(status="paid", order=order), 201


@app.get("/missing-item")
def missing_item():
    abort(404)  # a deliberate non-2xx answer


@app.after_request
def count_request(response):
    if request.path != "/healthz":
        # The route template (/orders/<int:order_id>), not the path: few label values.
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    return response


if __name__ == "__main__":
    if os.environ.get("INSTRUMENT") == "code":
        setup_telemetry(app)
    if os.environ.get("METRICS_PORT"):
        start_http_server(int(os.environ["METRICS_PORT"]), addr="127.0.0.1")
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")), threaded=True)
    finally:
        shutdown_telemetry()  # also on Ctrl-C
