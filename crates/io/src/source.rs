//! Where the parquet readers take a file's bytes from: the file mapped into memory where
//! the system allows, else the file itself.
//!
//! Read through a [`File`], every page of every column chunk is copied by the kernel into
//! a freshly allocated buffer (fresh pages the kernel zeroes first), and a CORR+MMC run
//! reads ~70 MB of ids, eras, targets and predictions that way. Mapped, the decoders
//! read the page cache in place: a page is a slice of the mapping.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};

use crate::IoError;

/// A parquet file's bytes for one reader. Each reader opens its own: the readers of an
/// open file seek it, and handles cloned from one file share its offset.
#[derive(Debug)]
pub(crate) enum Source {
    /// The whole file, mapped.
    Mapped(Bytes),
    /// The open file, where it cannot be mapped (an empty file, another system).
    File(File),
}

impl Source {
    /// Opens `path`, mapped where possible.
    pub(crate) fn open(path: &Path) -> Result<Self, IoError> {
        let file = File::open(path).map_err(|e| IoError::file(path, e))?;
        Ok(match map(&file) {
            Some(bytes) => Source::Mapped(bytes),
            None => Source::File(file),
        })
    }
}

impl Length for Source {
    fn len(&self) -> u64 {
        match self {
            Source::Mapped(b) => b.len() as u64,
            Source::File(f) => f.len(),
        }
    }
}

/// A reader of either kind of [`Source`].
pub(crate) enum SourceRead {
    Mapped(bytes::buf::Reader<Bytes>),
    File(std::io::BufReader<File>),
}

impl Read for SourceRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            SourceRead::Mapped(r) => r.read(buf),
            SourceRead::File(r) => r.read(buf),
        }
    }
}

impl ChunkReader for Source {
    type T = SourceRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<SourceRead> {
        Ok(match self {
            Source::Mapped(b) => SourceRead::Mapped(b.get_read(start)?),
            Source::File(f) => SourceRead::File(f.get_read(start)?),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self {
            Source::Mapped(b) => b.get_bytes(start, length),
            Source::File(f) => f.get_bytes(start, length),
        }
    }
}

/// The file's bytes, mapped read-only; `None` where the system cannot map it.
#[cfg(target_os = "linux")]
fn map(file: &File) -> Option<Bytes> {
    let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
    if len == 0 {
        return None;
    }
    Mapping::new(file, len).map(Bytes::from_owner)
}

#[cfg(not(target_os = "linux"))]
fn map(_: &File) -> Option<Bytes> {
    None
}

/// A read-only private mapping of a whole file, unmapped when dropped.
#[cfg(target_os = "linux")]
struct Mapping {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value alone; sharing or sending a
// pointer to immutable bytes across threads is sound.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`: nothing writes through the pointer.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
unsafe impl Sync for Mapping {}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
impl Mapping {
    fn new(file: &File, len: usize) -> Option<Self> {
        use rustix::mm::{mmap, MapFlags, ProtFlags};
        // SAFETY: a fresh mapping (null hint) of `len` bytes of an open file, read-only and
        // private: it aliases no Rust memory, and `Drop` unmaps exactly this range.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ,
                MapFlags::PRIVATE,
                file,
                0,
            )
        }
        .ok()?;
        Some(Self {
            ptr: std::ptr::NonNull::new(ptr.cast::<u8>())?,
            len,
        })
    }
}

#[cfg(target_os = "linux")]
impl AsRef<[u8]> for Mapping {
    #[allow(unsafe_code)]
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives. The bytes
        // are the input file's, which a run only reads: like any reader of a file, it sees
        // what another process writes into the file meanwhile (the parquet decoders check
        // what they read); a file cut short under a running process is the one case a copy
        // would survive and a mapping does not (SIGBUS).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

#[cfg(target_os = "linux")]
impl Drop for Mapping {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: unmaps the range `new` mapped, once; no slice of it outlives `self`
        // (`Bytes` drops its owner after its last clone).
        let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_file_and_the_open_file_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let content: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let mapped = Source::open(&path).unwrap();
        #[cfg(target_os = "linux")]
        assert!(matches!(mapped, Source::Mapped(_)));
        let file = Source::File(File::open(&path).unwrap());
        for source in [&mapped, &file] {
            assert_eq!(source.len(), 10_000);
            assert_eq!(&source.get_bytes(9_990, 10).unwrap()[..], &content[9_990..]);
            let mut head = [0u8; 5];
            source.get_read(100).unwrap().read_exact(&mut head).unwrap();
            assert_eq!(head, content[100..105]);
            assert!(source.get_bytes(9_995, 10).is_err());
        }
    }

    #[test]
    fn an_empty_file_is_read_as_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty");
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(Source::open(&path).unwrap(), Source::File(_)));
    }
}
