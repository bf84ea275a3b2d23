//! The exceptions the binding raises: the classes of `erascore.exceptions` (each also a
//! subclass of the builtin a caller already catches), and engine errors worded in Python's
//! terms, each input named by its keyword argument ([`keyword`]).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

use erascore_engine::request::Input;
use erascore_engine::EngineError;
use erascore_io::IoError;

/// Which class of `erascore.exceptions` an error is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// An argument's value cannot work (`ArgumentError`, a ValueError).
    Argument,
    /// An argument of the wrong type (`ArgumentTypeError`, a TypeError).
    ArgumentType,
    /// The data cannot be scored as given (`DataError`, a ValueError).
    Data,
    /// A path names no file (`MissingFileError`, a FileNotFoundError).
    MissingFile,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Kind::Argument => "ArgumentError",
            Kind::ArgumentType => "ArgumentTypeError",
            Kind::Data => "DataError",
            Kind::MissingFile => "MissingFileError",
        }
    }
}

/// An exception of `erascore.exceptions` (a ValueError when the package is not importable,
/// as when the extension is loaded on its own).
pub(crate) fn error(kind: Kind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        let class = py
            .import("erascore.exceptions")
            .and_then(|m| m.getattr(kind.class()))
            .and_then(|c| Ok(c.cast_into::<PyType>()?));
        match class {
            Ok(class) => PyErr::from_type(class, message),
            Err(_) => PyValueError::new_err(message),
        }
    })
}

/// The keyword argument of each input the engine names.
pub(crate) fn keyword(input: Input) -> String {
    match input {
        Input::Data => "data=",
        Input::Predictions => "predictions=",
        Input::Models => "models=",
        Input::Targets => "targets=",
        Input::Metrics => "metrics=",
        Input::Features => "features=",
        Input::MetaModel => "meta_model=",
        Input::MetaModelColumn => "meta_model_col=",
        Input::Benchmark => "benchmark=",
        Input::BenchmarkColumn => "benchmark_col=",
        Input::Example => "example_preds=",
        Input::ExampleColumn => "example_col=",
        Input::Stakes => "stakes=",
        Input::Neutralizers => "neutralizers=",
        Input::SampleWeights => "sample_weights=",
        Input::Previous => "previous=",
        Input::MaxFilteredRatio => "max_filtered_ratio=",
        Input::TopBottom => "top_bottom=",
        Input::CorrMultiplier => "corr_multiplier=",
        Input::MmcMultiplier => "mmc_multiplier=",
        Input::Eras => "eras=",
        // Python takes no memory budget: half of the machine's memory.
        Input::MemoryBudget => "the memory budget, half of the machine's memory",
        Input::Proportion => "proportion=",
        Input::Model => "model=",
        Input::Rule => "rule=",
        Input::Nan => "nan=",
        Input::MmcColumn => "mmc_col=",
        Input::Threshold => "threshold=",
        Input::Bootstrap => "bootstrap=",
        Input::Block => "block=",
        Input::Seed => "seed=",
        Input::MaxChurn => "max_churn=",
        Input::MaxTurnover => "max_turnover=",
        Input::Configs => "configs=",
        // The synthetic data's sizes, as a Python `synth` would take them.
        Input::EraCount => "eras=",
        Input::RowsPerEra => "rows=",
        Input::FeatureCount => "features=",
        Input::ModelCount => "models=",
        Input::NeutralizerCount => "neutralizers=",
        Input::Population => "population=",
    }
    .to_string()
}

/// An engine error as Python raises it: inputs named by keyword, a missing file a
/// `MissingFileError`, a request that cannot work an `ArgumentError`, the rest a
/// `DataError`.
pub(crate) fn engine_err(e: EngineError) -> PyErr {
    let kind = match &e {
        EngineError::Io(IoError::File { error, .. })
            if error.kind() == std::io::ErrorKind::NotFound =>
        {
            Kind::MissingFile
        }
        EngineError::Request(_) => Kind::Argument,
        _ => Kind::Data,
    };
    error(kind, e.render(&keyword))
}

/// An error of a reader that chains causes (anyhow), as `engine_err` words it: each cause
/// joined by ": ", the inputs an engine error names as keywords, the class from the
/// innermost engine or file error.
pub(crate) fn anyhow_err(e: &anyhow::Error) -> PyErr {
    let mut kind = Kind::Data;
    let text: Vec<String> = e
        .chain()
        .map(|cause| {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::NotFound {
                    kind = Kind::MissingFile;
                }
            }
            match cause.downcast_ref::<EngineError>() {
                Some(engine) => {
                    kind = match engine {
                        EngineError::Io(IoError::File { error, .. })
                            if error.kind() == std::io::ErrorKind::NotFound =>
                        {
                            Kind::MissingFile
                        }
                        EngineError::Request(_) => Kind::Argument,
                        _ => kind,
                    };
                    engine.render(&keyword)
                }
                None => {
                    if let Some(IoError::File { error, .. }) = cause.downcast_ref::<IoError>() {
                        if error.kind() == std::io::ErrorKind::NotFound {
                            kind = Kind::MissingFile;
                        }
                    }
                    cause.to_string()
                }
            }
        })
        .collect();
    error(kind, text.join(": "))
}
