#!/usr/bin/python3
"""The native anchor of `npm run bench` (issue 24): PyTorch and scikit-learn on this machine, on
the rows, initial weights, shapes, learning rates and thread counts the gradwasm rows use.

bench/native.ts writes each workload into a directory as .npy files and runs
`/usr/bin/python3 bench/native.py <dir> <settings.json>`; this prints one JSON object on stdout
(figures are medians of the repetitions, after one warm-up run that also sizes the epochs so a
timed run lasts about minSeconds, as bench/measure.ts does for gradwasm). Debian's
python3-torch and python3-sklearn: absent ones are reported as such, never needed by CI's tests.
"""
import json
import os
import sys
import time
import warnings

try:
    import numpy as np
except ImportError:  # (then neither library can run: say so, as for a missing one)
    print(json.dumps({'torch': None, 'sklearn': None, 'missing': ['python3-numpy', 'python3-torch', 'python3-sklearn']}))
    sys.exit(0)


def median(values):
    return float(np.median(np.asarray(values)))


def load(directory, name):
    return np.load(os.path.join(directory, name + '.npy'))


def vector(directory, name):
    """Labels and biases: gradwasm's writeNpy writes them as one column."""
    return load(directory, name).reshape(-1)


def layers_of(directory, workload):
    """The initial (or trained) weights: kernels inputs × units, as gradwasm keeps them."""
    spec = json.load(open(os.path.join(directory, workload + '.json')))
    weights = [(load(directory, f'{workload}.w{k}'), vector(directory, f'{workload}.b{k}')) for k in range(len(spec['activations']))]
    return spec, weights


def timed_epochs(run, rows, settings):
    """samples/s of `run(epochs)`: a warm-up run sizes the epochs, then the median of the repetitions."""
    start = time.perf_counter()
    run(1)
    first = time.perf_counter() - start
    epochs = max(1, min(settings['maxEpochs'], int(np.ceil(settings['minSeconds'] / max(first, 1e-9)))))
    rates = []
    for _ in range(settings['repetitions']):
        start = time.perf_counter()
        run(epochs)
        rates.append(epochs * rows / (time.perf_counter() - start))
    return median(rates), epochs


def torch_figures(directory, settings, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(1)
    out = {'version': torch.__version__, 'threads': threads}

    def model_of(spec, weights):
        modules = []
        for (kernel, bias), activation in zip(weights, spec['activations']):
            linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
                linear.bias.copy_(torch.from_numpy(bias))
            modules.append(linear)
            # the output activation lives in the loss (BCE with logits, cross-entropy), as PyTorch fits it
            if activation == 'relu':
                modules.append(torch.nn.ReLU())
            elif activation == 'tanh':
                modules.append(torch.nn.Tanh())
        return torch.nn.Sequential(*modules)

    for workload in settings['training']:
        spec, weights = layers_of(directory, workload)
        x = torch.from_numpy(load(directory, workload + '.x'))
        y = torch.from_numpy(vector(directory, workload + '.y'))
        rows = x.shape[0]
        batch = rows if spec['batchSize'] == 'full' else spec['batchSize']
        softmax = spec['activations'][-1] == 'softmax'
        loss_of = torch.nn.CrossEntropyLoss() if softmax else torch.nn.BCEWithLogitsLoss()
        target = y.long() if softmax else y.reshape(-1, 1)

        def run(epochs):
            model = model_of(spec, weights)
            optimizer = torch.optim.SGD(model.parameters(), lr=spec['learningRate'])
            generator = torch.Generator().manual_seed(1)
            for _ in range(epochs):
                if batch >= rows:
                    # full-batch descent: the whole table, no shuffling (as gradwasm's)
                    optimizer.zero_grad(set_to_none=True)
                    loss_of(model(x), target).backward()
                    optimizer.step()
                    continue
                # shuffled each epoch, as gradwasm's fit does
                order = torch.randperm(rows, generator=generator)
                for start in range(0, rows, batch):
                    index = order[start:start + batch]
                    optimizer.zero_grad(set_to_none=True)
                    loss_of(model(x[index]), target[index]).backward()
                    optimizer.step()
            return model

        rate, epochs = timed_epochs(run, rows, settings)
        out[workload] = {'samplesPerSecond': rate, 'epochs': epochs}

    if settings.get('inference'):
        spec, weights = layers_of(directory, settings['inference'])
        model = model_of(spec, weights).eval()
        x = torch.from_numpy(load(directory, settings['inference'] + '.x'))
        batch = settings['inferenceBatch']
        with torch.no_grad():
            def predict_all():
                for start in range(0, x.shape[0], batch):
                    torch.sigmoid(model(x[start:start + batch]))
            predict_all()
            rates = []
            for _ in range(settings['repetitions']):
                start = time.perf_counter()
                predict_all()
                rates.append(x.shape[0] / (time.perf_counter() - start))
            out['W4-batch'] = {'samplesPerSecond': median(rates)}
            # one row a call: the median of single calls, as W4-latency times gradwasm
            rows = [x[i:i + 1] for i in range(min(settings['latencySamples'], x.shape[0]))]
            for row in rows[:20]:
                torch.sigmoid(model(row))
            medians = []
            for _ in range(settings['repetitions']):
                times = []
                for row in rows:
                    start = time.perf_counter()
                    torch.sigmoid(model(row))
                    times.append(time.perf_counter() - start)
                medians.append(median(times) * 1e6)
            out['W4-latency'] = {'microseconds': median(medians)}
    return out


def sklearn_figures(directory, settings, threads):
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    out = {'version': sklearn.__version__, 'threads': threads}
    warnings.simplefilter('ignore', ConvergenceWarning)
    with threadpool_limits(limits=threads):
        workload = settings['sklearnMlp']
        spec, weights = layers_of(directory, workload)
        x = load(directory, workload + '.x')
        y = vector(directory, workload + '.y')
        hidden = tuple(w.shape[1] for w, _ in weights[:-1])

        def run(epochs):
            # plain SGD from the same initial weights: no momentum, no L2, no early stopping; a
            # partial_fit on two rows builds the layers, whose weights are then replaced
            model = MLPClassifier(hidden_layer_sizes=hidden, activation='relu', solver='sgd', learning_rate_init=spec['learningRate'],
                                  batch_size=spec['batchSize'], momentum=0.0, nesterovs_momentum=False, alpha=0.0, max_iter=epochs,
                                  shuffle=True, tol=0.0, n_iter_no_change=10 ** 9, random_state=1, warm_start=True)
            model.partial_fit(x[:2], y[:2], classes=np.array([0.0, 1.0]))
            model.coefs_ = [w.astype(x.dtype).copy() for w, _ in weights]
            model.intercepts_ = [b.astype(x.dtype).copy() for _, b in weights]
            model.fit(x, y)
            return model

        rate, epochs = timed_epochs(run, x.shape[0], settings)
        out[workload] = {'samplesPerSecond': rate, 'epochs': epochs}

        # logistic regression to the optimum (lbfgs, C = 1) on W1's rows, as gradwasm's L-BFGS row
        x = load(directory, 'W1.x')
        y = vector(directory, 'W1.y')
        seconds = []
        for _ in range(settings['repetitions'] + 1):
            start = time.perf_counter()
            LogisticRegression(solver='lbfgs', C=1.0, max_iter=1000, tol=1e-6).fit(x, y)
            seconds.append(time.perf_counter() - start)
        out['LR-optimum'] = {'seconds': median(seconds[1:])}
    return out


def main():
    directory, settings_path = sys.argv[1], sys.argv[2]
    settings = json.load(open(settings_path))
    result = {'torch': None, 'sklearn': None, 'missing': []}
    try:
        import torch  # noqa: F401
        result['torch'] = [torch_figures(directory, settings, n) for n in settings['threads']]
    except ImportError:
        result['missing'].append('python3-torch')
    try:
        import sklearn  # noqa: F401
        result['sklearn'] = [sklearn_figures(directory, settings, n) for n in settings['threads']]
    except ImportError:
        result['missing'].append('python3-sklearn')
    print(json.dumps(result))


if __name__ == '__main__':
    main()
